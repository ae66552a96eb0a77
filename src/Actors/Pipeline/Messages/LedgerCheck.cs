using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>
/// Spans a top-level actor wants exported; the ledger drops those another replica exported already. Counted in flight
/// one per span, as <see cref="EmitSpans"/>.
/// </summary>
internal sealed record LedgerCheck(string Cluster, ImmutableArray<TraceSpans> Traces) : ITracked
{
    public int Weight
    {
        get
        {
            var spans = 0;
            foreach (var t in Traces) spans += t.Spans.Length;
            return Math.Max(1, spans);
        }
    }
}
