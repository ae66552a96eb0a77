namespace KSpanActors.Pipeline;

/// <summary>Sent by sharding to an entity whose shard moves (rebalance, a replica leaving): hand the state on, then stop.</summary>
internal sealed class Relocate
{
    public static readonly Relocate Instance = new();
}
