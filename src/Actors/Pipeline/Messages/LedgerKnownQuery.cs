namespace KSpanActors.Pipeline;

/// <summary>Local only (tests): the exported span ids this node's ledger knows for a cluster, as a HashSet&lt;long&gt;.</summary>
internal sealed record LedgerKnownQuery(string Cluster);
