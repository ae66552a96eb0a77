namespace KSpanActors.Pipeline;

internal sealed class NameRegion;
