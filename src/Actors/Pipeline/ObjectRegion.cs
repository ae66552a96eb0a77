namespace KSpanActors.Pipeline;

/// <summary>Registry keys of the pipeline's actors.</summary>
internal sealed class ObjectRegion;
