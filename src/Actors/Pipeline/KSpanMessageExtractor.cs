using System.Collections.Concurrent;
using Akka.Cluster.Sharding;
using Akka.Util;

namespace KSpanActors.Pipeline;

/// <summary>
/// Entity id from the routing markers; shard id from a stable hash of it (Akka's MurmurHash), as cached strings (no
/// string per message on the hot path).
/// <list type="bullet">
/// <item>A watcher (entity id = the cluster's name): one of <c>shards</c> numbered shards, "0".."shards-1".</item>
/// <item>An object or name bucket ("cluster/..."), placement <see cref="ShardPlacement.Spread"/>: the same numbered
/// shards, so every shard mixes all clusters.</item>
/// <item>Placement <see cref="ShardPlacement.Source"/>: one of the cluster's own <c>shardsPerCluster</c> shards,
/// "cluster#0".."cluster#n-1", so a shard holds one cluster's objects only and <see cref="SourcePlacement"/> can put
/// it on the replica that reads that cluster.</item>
/// </list>
/// </summary>
internal sealed class KSpanMessageExtractor : IMessageExtractor
{
    /// <summary>Splits a cluster's shard id: the cluster is what comes before the last '#' (the number has none).</summary>
    public const char ClusterShardSeparator = '#';

    private readonly string[] _shardIds;
    private readonly int _shardsPerCluster;
    private readonly ConcurrentDictionary<string, string[]> _clusterShardIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]>.AlternateLookup<ReadOnlySpan<char>> _byCluster;

    public KSpanMessageExtractor(int maxShards, int shardsPerCluster = 0)
    {
        _shardIds = new string[maxShards];
        for (var i = 0; i < maxShards; i++) _shardIds[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _shardsPerCluster = shardsPerCluster;
        _byCluster = _clusterShardIds.GetAlternateLookup<ReadOnlySpan<char>>();
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

    public string ShardId(string entityId, object? messageHint = null)
    {
        var hash = (uint)MurmurHash.StringHash(entityId);
        var slash = _shardsPerCluster > 0 ? entityId.IndexOf('/', StringComparison.Ordinal) : -1;
        if (slash < 0) return _shardIds[(int)(hash % (uint)_shardIds.Length)];
        var cluster = entityId.AsSpan(0, slash);
        if (!_byCluster.TryGetValue(cluster, out var ids)) ids = ClusterShardIds(cluster.ToString());
        return ids[(int)(hash % (uint)ids.Length)];
    }

    /// <summary>The cluster a shard of <see cref="ShardPlacement.Source"/> placement holds; null for a numbered shard.</summary>
    public static string? ClusterOf(string shardId)
    {
        var i = shardId.LastIndexOf(ClusterShardSeparator);
        return i < 0 ? null : shardId[..i];
    }

    private string[] ClusterShardIds(string cluster) => _clusterShardIds.GetOrAdd(cluster, c =>
    {
        var all = new string[_shardsPerCluster];
        for (var i = 0; i < all.Length; i++) all[i] = c + ClusterShardSeparator + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return all;
    });
}
