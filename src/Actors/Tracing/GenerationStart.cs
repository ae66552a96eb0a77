namespace KSpanActors.Tracing;

/// <summary>When one change (generation) of the top-level object started, and who made it.</summary>
internal readonly record struct GenerationStart(long Generation, long StartNs, string? Manager, string? Operation, long ResourceVersion);
