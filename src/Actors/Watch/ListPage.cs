namespace KSpanActors.Watch;

/// <summary>One page of a List: its items as slices of the page's bytes, its resourceVersion and continue token.</summary>
internal sealed record ListPage(List<ReadOnlyMemory<byte>> Items, string? ResourceVersion, string? Continue);
