using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>
/// A trace's spans on their way to the SpanEmitter, counted in flight like every pipeline message, one per span: a
/// source feeding faster than the exporters take spans is held back (back-pressure) instead of piling spans up in the
/// emitter's mailbox, where its buffer's bound does not see them. (Counted as one message, the 20,000 in flight could
/// carry 20,000 traces of many spans each: a replica of three clusters filled its 200,000-span buffer within 3 s of
/// holding its sources, and dropped 41,000 spans while the backend worked.)
/// </summary>
internal sealed record EmitSpans(TraceSpans Trace) : ITracked
{
    public int Weight => Math.Max(1, Trace.Spans.Length);
}
