using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace KSpanActors.Pipeline;

/// <summary>
/// Shard allocation for <see cref="ShardPlacement.Source"/>: a cluster's shards (<c>cluster#n</c>, see
/// <see cref="KSpanMessageExtractor"/>) live on the replica that hosts the cluster's watcher, so the facts a watcher
/// decodes reach their actors without crossing to another replica (serialization, remoting and a second runtime's
/// work for two thirds of the facts with three replicas).
/// <para>
/// Allocation (once per shard, and after a replica is lost): the replica whose watcher reads the cluster, when known
/// (asked of the watcher region, remembered for a second); else the replica that asked (the one whose facts for the
/// cluster came first: the watcher's, or the replay's or demo's source); else the replica already holding most of
/// the cluster's shards; else the one holding fewest. Rebalance (every <see cref="PipelineHosting.RebalanceInterval"/>):
/// the shards of a few clusters at a time whose watcher lives on another replica move there, as after replicas joined
/// and the watchers spread; nothing moves while the watchers' homes are unknown. Without watchers (replay, demo)
/// shards stay where they were first asked for.
/// </para>
/// </summary>
internal sealed class SourcePlacement : IShardAllocationStrategy
{
    /// <summary>
    /// Clusters whose shards move in one rebalance round at most: all of a cluster's misplaced shards move together (its
    /// owner chains span them), a few clusters at a time (each shard's actors hand their state on).
    /// </summary>
    public const int MaxClustersPerRound = 4;

    private static readonly TimeSpan HomesTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private readonly Func<string, string> _watcherShardOf;
    private readonly Func<Task<IReadOnlyDictionary<string, Address>>>? _watcherHomes;
    private readonly Address _self;
    private (DateTime At, IReadOnlyDictionary<string, Address> Homes) _cached = (DateTime.MinValue, new Dictionary<string, Address>());

    /// <param name="self">This node's address: regions of this node have local paths, which carry none.</param>
    /// <param name="watcherShardOf">The watcher region's shard id for a cluster's name.</param>
    /// <param name="watcherHomes">Watcher shard id → the node hosting it; null when this process watches nothing.</param>
    public SourcePlacement(Address self, Func<string, string> watcherShardOf, Func<Task<IReadOnlyDictionary<string, Address>>>? watcherHomes)
    {
        _self = self;
        _watcherShardOf = watcherShardOf;
        _watcherHomes = watcherHomes;
    }

    /// <summary>The watcher region's shards and their nodes, from its cluster-wide statistics (empty when it cannot answer).</summary>
    public static Func<Task<IReadOnlyDictionary<string, Address>>> HomesFrom(Func<IActorRef?> watcherRegion) => async () =>
    {
        if (watcherRegion() is not { } region) return new Dictionary<string, Address>();
        var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout), AskTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var homes = new Dictionary<string, Address>(StringComparer.Ordinal);
        foreach (var (address, regionStats) in stats.Regions)
        {
            foreach (var (shard, entities) in regionStats.Stats)
            {
                if (entities > 0) homes[shard] = address;
            }
        }
        return homes;
    };

    public async Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        if (KSpanMessageExtractor.ClusterOf(shardId) is { } cluster)
        {
            var homes = await HomesAsync(fresh: false).ConfigureAwait(false);
            if (homes.TryGetValue(_watcherShardOf(cluster), out var home) && RegionAt(home, currentShardAllocations) is { } watcherRegion) return watcherRegion;
        }
        if (currentShardAllocations.ContainsKey(requester)) return requester;
        return Fallback(shardId, currentShardAllocations);
    }

    public async Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        if (_watcherHomes is null || currentShardAllocations.Count < 2) return ImmutableHashSet<string>.Empty;
        var homes = await HomesAsync(fresh: true).ConfigureAwait(false);
        return Misplaced(currentShardAllocations, rebalanceInProgress, homes);
    }

    /// <summary>Shards whose cluster's watcher lives on another node that hosts a region: every such shard of at most
    /// <see cref="MaxClustersPerRound"/> clusters.</summary>
    internal IImmutableSet<string> Misplaced(IImmutableDictionary<IActorRef, IImmutableList<string>> current, IImmutableSet<string> inProgress, IReadOnlyDictionary<string, Address> homes)
    {
        if (homes.Count == 0) return ImmutableHashSet<string>.Empty;
        var moves = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        var clusters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (region, shards) in current.OrderBy(kv => AddressOf(kv.Key).ToString(), StringComparer.Ordinal))
        {
            var at = AddressOf(region);
            foreach (var shard in shards.Order(StringComparer.Ordinal))
            {
                if (inProgress.Contains(shard) || KSpanMessageExtractor.ClusterOf(shard) is not { } cluster) continue;
                if (!homes.TryGetValue(_watcherShardOf(cluster), out var home) || home.Equals(at) || RegionAt(home, current) is null) continue;
                if (!clusters.Contains(cluster) && clusters.Count >= MaxClustersPerRound) continue;
                clusters.Add(cluster);
                moves.Add(shard);
            }
        }
        return moves.ToImmutable();
    }

    private async Task<IReadOnlyDictionary<string, Address>> HomesAsync(bool fresh)
    {
        if (_watcherHomes is null) return _cached.Homes;
        var now = DateTime.UtcNow;
        if (!fresh && now - _cached.At < HomesTtl) return _cached.Homes;
        try
        {
            var homes = await _watcherHomes().ConfigureAwait(false);
            _cached = (now, homes);
            return homes;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or InvalidOperationException)
        {
            // No answer (a node leaving, the region not started yet): decide without it; rebalance moves nothing.
            return fresh ? new Dictionary<string, Address>() : _cached.Homes;
        }
    }

    private IActorRef? RegionAt(Address node, IImmutableDictionary<IActorRef, IImmutableList<string>> current)
    {
        foreach (var region in current.Keys)
        {
            if (AddressOf(region).Equals(node)) return region;
        }
        return null;
    }

    private Address AddressOf(IActorRef region) => region.Path.Address.HasLocalScope ? _self : region.Path.Address;

    /// <summary>The region holding most of the shard's cluster's shards, else the one holding fewest shards.</summary>
    private static IActorRef Fallback(string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> current)
    {
        if (current.Count == 0) throw new InvalidOperationException($"no shard region to allocate shard {shardId} to");
        if (KSpanMessageExtractor.ClusterOf(shardId) is { } cluster)
        {
            var (best, most) = (default(IActorRef), 0);
            foreach (var (region, shards) in current)
            {
                var n = shards.Count(s => KSpanMessageExtractor.ClusterOf(s) == cluster);
                if (n > most) (best, most) = (region, n);
            }
            if (best is not null) return best;
        }
        return current.MinBy(kv => kv.Value.Count).Key;
    }
}
