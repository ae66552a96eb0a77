using Akka.Cluster.Sharding;

namespace KSpanActors.Pipeline;

/// <summary>Entity id from the routing markers; shard id from a stable hash of it (MurmurHash in Akka).</summary>
internal sealed class KSpanMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message switch
    {
        IObjectMessage m => m.EntityId,
        INameMessage n => n.EntityId,
        _ => null,
    };
}
