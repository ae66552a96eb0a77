namespace KSpanActors.Pipeline;

internal sealed class SpanEmitterActor;
