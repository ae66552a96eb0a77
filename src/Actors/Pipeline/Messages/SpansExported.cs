using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>Published on this node's event stream when every exporter took a batch (with several replicas only).</summary>
internal sealed record SpansExported(IReadOnlyList<TraceSpans> Traces);
