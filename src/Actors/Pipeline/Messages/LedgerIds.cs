using Akka.Event;

namespace KSpanActors.Pipeline;

/// <summary>Span ids a replica exported ("lids"), for one cluster and hour of export: told to the other replicas' ledgers.</summary>
internal sealed record LedgerIds(string Cluster, long Hour, long[] Ids) : IKSpanMessage, IDeadLetterSuppression;
