using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>Spans a top-level actor wants exported; the ledger drops those another replica exported already.</summary>
internal sealed record LedgerCheck(string Cluster, ImmutableArray<TraceSpans> Traces) : ITracked;
