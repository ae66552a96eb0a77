using System.Collections.Immutable;
using Akka.Actor;
using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

/// <summary>Where <see cref="SourcePlacement"/> puts a cluster's shards, and which it moves (regions on three made-up nodes).</summary>
public sealed class SourcePlacementTests
{
    private static readonly Address Self = Node(1);
    private static readonly KSpanMessageExtractor Extractor = new(100, 10);

    private static Address Node(int i) => new("akka.tcp", "kspan", "10.0.0." + i, 2552);

    private sealed class Region(Address node) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(node) / "system" / "sharding" / PipelineHosting.ObjectRegionName;

        public override IActorRefProvider Provider => throw new NotSupportedException();
    }

    private static readonly Region A = new(Node(1)), B = new(Node(2)), C = new(Node(3));

    private static IImmutableDictionary<IActorRef, IImmutableList<string>> Allocations(params (IActorRef Region, string[] Shards)[] regions) =>
        regions.ToImmutableDictionary(r => r.Region, r => (IImmutableList<string>)r.Shards.ToImmutableList());

    private static SourcePlacement Placement(IReadOnlyDictionary<string, Address>? watchers) =>
        new(Self, cluster => Extractor.ShardId(cluster), watchers is null ? null : () => Task.FromResult(watchers));

    /// <summary>Watcher shard → node, as the watcher region reports it (clusters sharing a watcher shard share its node).</summary>
    private static Dictionary<string, Address> Watching(params (string Cluster, Address Node)[] watchers)
    {
        var homes = new Dictionary<string, Address>(StringComparer.Ordinal);
        foreach (var (cluster, node) in watchers) homes[Extractor.ShardId(cluster)] = node;
        return homes;
    }

    [Fact]
    public void A_clusters_objects_and_names_share_the_clusters_own_shards_and_a_watcher_keeps_its_numbered_shard()
    {
        var obj = Extractor.ShardId(EntityIds.Object("prod-eu", "0b5c4a3e-1111-2222-3333-444455556666"));
        var name = Extractor.ShardId(EntityIds.Name("prod-eu", new KSpanActors.Tracing.ObjectRef("Pod", "default", "web-1")));
        Assert.StartsWith("prod-eu#", obj);
        Assert.StartsWith("prod-eu#", name);
        Assert.Equal("prod-eu", KSpanMessageExtractor.ClusterOf(obj));
        Assert.Equal("cluster#with#hashes", KSpanMessageExtractor.ClusterOf(Extractor.ShardId("cluster#with#hashes/uid")));
        Assert.Null(KSpanMessageExtractor.ClusterOf(Extractor.ShardId("prod-eu"))); // the watcher: a numbered shard
        Assert.InRange(int.Parse(Extractor.ShardId("prod-eu"), System.Globalization.CultureInfo.InvariantCulture), 0, 99);
        var ids = Enumerable.Range(0, 2_000).Select(i => Extractor.ShardId(EntityIds.Object("prod-eu", $"uid-{i}"))).ToHashSet();
        Assert.Equal(10, ids.Count); // every one of the cluster's shards used, no more
        Assert.Same(Extractor.ShardId("prod-eu/uid-1"), Extractor.ShardId("prod-eu/uid-1")); // cached, not made per message
    }

    [Fact]
    public void Spread_placement_keeps_the_numbered_shards_for_objects()
    {
        var spread = new KSpanMessageExtractor(100);
        Assert.Null(KSpanMessageExtractor.ClusterOf(spread.ShardId(EntityIds.Object("prod-eu", "uid-1"))));
    }

    [Fact]
    public async Task A_shard_goes_to_the_replica_watching_its_cluster_whoever_asks()
    {
        var placement = Placement(Watching(("prod-eu", Node(2)), ("prod-us", Node(3))));
        var current = Allocations((A, []), (B, []), (C, []));
        Assert.Same(B, await placement.AllocateShard(A, "prod-eu#3", current));
        Assert.Same(C, await placement.AllocateShard(A, "prod-us#0", current));
    }

    [Fact]
    public async Task Without_a_known_watcher_a_shard_goes_to_the_replica_that_asked_else_where_its_cluster_is_else_the_least_loaded()
    {
        var placement = Placement(null); // replay, demo: no watchers
        Assert.Same(B, await placement.AllocateShard(B, "prod-eu#3", Allocations((A, []), (B, ["x#1", "x#2"]), (C, []))));
        // the asker is gone (a region shutting down is not among the current ones)
        var gone = new Region(Node(9));
        Assert.Same(C, await placement.AllocateShard(gone, "prod-eu#3", Allocations((A, ["x#1"]), (B, ["prod-eu-2#1"]), (C, ["prod-eu#1", "prod-eu#2"]))));
        Assert.Same(A, await placement.AllocateShard(gone, "prod-eu#3", Allocations((A, ["x#1"]), (B, ["x#2", "x#3"]), (C, ["x#4", "x#5"]))));
        // a watcher placed on a node that hosts no region (yet): the asker
        Assert.Same(A, await Placement(Watching(("prod-eu", Node(7)))).AllocateShard(A, "prod-eu#3", Allocations((A, []), (B, []))));
    }

    [Fact]
    public async Task Rebalance_moves_a_clusters_shards_to_its_watchers_replica_a_few_clusters_at_a_time_and_nothing_when_watchers_are_unknown()
    {
        var current = Allocations((A, ["prod-eu#0", "prod-eu#1", "prod-us#0"]), (B, ["prod-us#1", "staging#0"]), (C, []));
        var moved = await Placement(Watching(("prod-eu", Node(1)), ("prod-us", Node(2)), ("staging", Node(3)))).Rebalance(current, ImmutableHashSet<string>.Empty);
        Assert.Equal(["prod-us#0", "staging#0"], moved.Order(StringComparer.Ordinal));
        var inProgress = await Placement(Watching(("prod-us", Node(2)))).Rebalance(current, ImmutableHashSet.Create("prod-us#0"));
        Assert.Empty(inProgress);
        Assert.Empty(await Placement(null).Rebalance(current, ImmutableHashSet<string>.Empty));
        Assert.Empty(await Placement(new Dictionary<string, Address>()).Rebalance(current, ImmutableHashSet<string>.Empty));

        // every misplaced shard of a cluster moves in one round, but only a few clusters' at a time
        var clusters = Enumerable.Range(0, SourcePlacement.MaxClustersPerRound + 2).Select(c => $"cluster-{c}").ToList();
        var many = Allocations((A, [.. clusters.SelectMany(c => Enumerable.Range(0, 10).Select(i => $"{c}#{i}"))]), (B, []));
        var moves = await Placement(Watching([.. clusters.Select(c => (c, Node(2)))])).Rebalance(many, ImmutableHashSet<string>.Empty);
        var movedClusters = moves.GroupBy(KSpanMessageExtractor.ClusterOf).ToList();
        Assert.Equal(SourcePlacement.MaxClustersPerRound, movedClusters.Count);
        Assert.All(movedClusters, g => Assert.Equal(10, g.Count()));
    }

    [Fact]
    public async Task A_watcher_region_that_cannot_answer_leaves_the_choice_to_the_asker_and_moves_nothing()
    {
        var placement = new SourcePlacement(Self, cluster => Extractor.ShardId(cluster), () => Task.FromException<IReadOnlyDictionary<string, Address>>(new AskTimeoutException("no answer")));
        var current = Allocations((A, ["prod-eu#0"]), (B, []));
        Assert.Same(B, await placement.AllocateShard(B, "prod-eu#1", current));
        Assert.Empty(await placement.Rebalance(current, ImmutableHashSet<string>.Empty));
    }
}
