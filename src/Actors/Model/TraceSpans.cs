using System.Collections.Immutable;

namespace KSpanActors.Model;

/// <summary>Spans emitted together for one trace (a whole trace, or late spans of an exported one).</summary>
internal sealed record TraceSpans(TraceId TraceId, ImmutableArray<SpanRecord> Spans);
