using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>
/// A trace's spans on their way to the SpanEmitter, counted in flight like every pipeline message: a source feeding
/// faster than the exporters take spans is held back (back-pressure) instead of piling messages up in a mailbox.
/// </summary>
internal sealed record EmitSpans(TraceSpans Trace) : ITracked;
