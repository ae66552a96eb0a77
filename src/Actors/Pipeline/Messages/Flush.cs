namespace KSpanActors.Pipeline;

/// <summary>
/// Asks the SpanEmitter to export everything it holds; answered with <see cref="FlushDone"/> once it holds nothing.
/// A flush never waits forever on a dead backend: an exporter that took nothing for <paramref name="Patience"/>
/// (counted from the flush or its last successful export, whichever is later), or anything still held at
/// <paramref name="Deadline"/> (UTC), is given up on: dropped, counted in <see cref="PipelineMetrics.SpansDropped"/>
/// with a reason. A zero patience drops whatever is held at once.
/// </summary>
internal sealed record Flush(TimeSpan Patience, DateTime? Deadline = null);
