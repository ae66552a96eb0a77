using Akka.Cluster.Sharding;
using Akka.Util;

namespace KSpanActors.Pipeline;

/// <summary>
/// Entity id from the routing markers; shard id from a stable hash of it (Akka's MurmurHash), as the shard numbers'
/// cached strings (no string per message on the hot path).
/// </summary>
internal sealed class KSpanMessageExtractor : IMessageExtractor
{
    private readonly string[] _shardIds;

    public KSpanMessageExtractor(int maxShards)
    {
        _shardIds = new string[maxShards];
        for (var i = 0; i < maxShards; i++) _shardIds[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public string? EntityId(object message) => message switch
    {
        IObjectMessage m => m.EntityId,
        INameMessage n => n.EntityId,
        Watch.IWatcherMessage w => w.Cluster,
        _ => null, // Akka handles its own StartEntity / ShardingEnvelope before asking the extractor
    };

    public object? EntityMessage(object message) => message;

    public string ShardId(object message) => ShardId(EntityId(message) ?? "");

    public string ShardId(string entityId, object? messageHint = null) =>
        _shardIds[(int)((uint)MurmurHash.StringHash(entityId) % (uint)_shardIds.Length)];
}
