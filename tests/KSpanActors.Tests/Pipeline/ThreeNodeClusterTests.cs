using KSpanActors.Tests.FakeKube;
using Akka.Actor;
using Akka.Cluster;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Pipeline;

/// <summary>Three ActorSystems on loopback ports form one cluster; ObjectActors spread across them by sharding.</summary>
[Collection("akka-cluster")]
public sealed class ThreeNodeClusterTests
{
    /// <summary>
    /// A node of the three. The tests of what crosses between nodes (flow control, hand-off) spread every cluster's
    /// objects over all nodes (<see cref="ShardPlacement.Spread"/>); the default placement keeps a cluster's objects on
    /// the node its facts come from, tested on its own below.
    /// </summary>
    private static PipelineSettings Node(IReadOnlyList<string> seeds, long maxInFlight = 20_000, ShardPlacement placement = ShardPlacement.Spread) => new()
    {
        MaxInFlight = maxInFlight,
        Hostname = "127.0.0.1",
        Port = 0,
        SeedNodes = seeds,
        Shards = 30,
        Placement = placement,
        BatchInterval = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<List<PipelineRuntime>> StartClusterAsync(CapturingExporter exporter, long maxInFlight = 20_000, ShardPlacement placement = ShardPlacement.Spread)
    {
        var first = await PipelineRuntime.StartAsync(Node([], maxInFlight, placement), [exporter]);
        var seed = Akka.Cluster.Cluster.Get(first.System).SelfAddress.ToString();
        var nodes = new List<PipelineRuntime> { first };
        for (var i = 0; i < 2; i++) nodes.Add(await PipelineRuntime.StartAsync(Node([seed], maxInFlight, placement), [exporter]));
        await Eventually.TrueAsync(() => nodes.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 3),
            TimeSpan.FromSeconds(60), () => "three members Up on every node");
        // Every node's regions registered with the coordinators, so shards are allocated across all three.
        foreach (var region in new[] { PipelineHosting.ObjectRegionName, PipelineHosting.NameRegionName })
        {
            await Eventually.TrueAsync(async () =>
            {
                var stats = await first.System.ActorSelection(PipelineHosting.RegionPath(Akka.Cluster.Cluster.Get(first.System).SelfAddress, region))
                    .Ask<Akka.Cluster.Sharding.ClusterShardingStats>(new Akka.Cluster.Sharding.GetClusterShardingStats(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
                return stats.Regions.Count == nodes.Count;
            }, TimeSpan.FromSeconds(60), () => $"every node's {region} region registered", TimeSpan.FromMilliseconds(50));
        }
        return nodes;
    }

    private static async Task DisposeAllAsync(IEnumerable<PipelineRuntime> nodes)
    {
        foreach (var n in nodes) await n.DisposeAsync();
    }

    [Fact]
    public async Task Replay_through_three_nodes_gives_the_expected_tree()
    {
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(exporter);
        try
        {
            var (facts, expected) = Scenarios.Rollout();
            for (var i = 0; i < facts.Count; i++) nodes[i % 3].Feed(facts[i]); // every node is a source; routing finds the owners

            await PipelineRuntime.DrainAsync(nodes).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(expected.OrderBy(kv => kv.Key), TreeText.Parents(exporter.Spans).OrderBy(kv => kv.Key));
            Assert.Equal(expected.Count + 1, exporter.Spans.Count);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    /// <summary>
    /// The stall every multi-replica deployment hit: a node counted what it sent and another node counted what its actors
    /// processed, so the sending node's count only grew and its back-pressure waited forever once it passed MaxInFlight.
    /// Each node has its own tracker here, as separate processes do.
    /// </summary>
    [Fact]
    public async Task A_source_feeding_far_more_than_MaxInFlight_through_one_node_is_never_stalled_by_actors_on_the_others()
    {
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(exporter, maxInFlight: 300);
        try
        {
            var facts = new List<IFact>();
            foreach (var item in KSpanActors.Ingest.Demo.DemoGenerator.Generate(new KSpanActors.Ingest.Demo.DemoScenario(DeploymentsPerCluster: 60, Replicas: 3, IncludeCrashLoop: false)))
            {
                Assert.True(KSpanActors.Ingest.KubeDecoder.TryDecode(item.Cluster, item.Document, out var fact, out var error), error);
                facts.Add(fact);
            }
            var occurrences = facts.OfType<EventObserved>().Select(e => (e.EventUid, e.Count)).ToHashSet();
            Assert.True(occurrences.Count > 3 * 300, $"only {occurrences.Count} event occurrences: the limit would never be reached");

            using var feeding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var f in facts) await nodes[0].FeedAsync(f, feeding.Token); // back-pressured on what node 0 sent
            await PipelineRuntime.DrainAsync(nodes).WaitAsync(TimeSpan.FromSeconds(60));

            var exported = exporter.Spans.Where(s => s.Attribute("k8s.event.uid") is not null)
                .Select(s => (s.Attribute("k8s.event.uid")!, long.Parse(s.Attribute("k8s.event.count")!, System.Globalization.CultureInfo.InvariantCulture)))
                .ToHashSet();
            Assert.Empty(occurrences.Except(exported));
            Assert.All(nodes, n => Assert.Equal(0, n.Services.Tracker.InFlight));
            Assert.True(nodes.Skip(1).Any(n => n.Services.Tracker.Counters.Sent > 0), "no other node sent anything: the facts never left node 0");
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task With_source_placement_a_clusters_objects_live_on_the_node_its_facts_come_from_and_no_fact_crosses()
    {
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(exporter, placement: ShardPlacement.Source);
        try
        {
            var facts = new List<IFact>();
            foreach (var item in KSpanActors.Ingest.Demo.DemoGenerator.Generate(new KSpanActors.Ingest.Demo.DemoScenario(DeploymentsPerCluster: 10, Replicas: 3, Clusters: 2, IncludeCrashLoop: false)))
            {
                Assert.True(KSpanActors.Ingest.KubeDecoder.TryDecode(item.Cluster, item.Document, out var fact, out var error), error);
                facts.Add(fact);
            }
            var occurrences = facts.OfType<EventObserved>().Select(e => (e.EventUid, e.Count)).ToHashSet();
            var source = new Dictionary<string, int> { ["demo-1"] = 0, ["demo-2"] = 1 }; // node 2 reads nothing
            Assert.Equal(source.Keys.Order(), facts.Select(f => f.Cluster).Distinct().Order());

            using var feeding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var f in facts) await nodes[source[f.Cluster]].FeedAsync(f, feeding.Token);
            await PipelineRuntime.WhenQuietAsync(nodes).WaitAsync(TimeSpan.FromSeconds(30));
            var crossed = nodes.Select(n => n.Services.Tracker.FromOtherReplicas).ToList(); // before the drain, which node 0 sends to all
            await PipelineRuntime.DrainAsync(nodes).WaitAsync(TimeSpan.FromSeconds(60));

            var exported = exporter.Spans.Where(s => s.Attribute("k8s.event.uid") is not null)
                .Select(s => (s.Attribute("k8s.event.uid")!, long.Parse(s.Attribute("k8s.event.count")!, System.Globalization.CultureInfo.InvariantCulture)))
                .ToHashSet();
            Assert.Empty(occurrences.Except(exported));
            Assert.Equal([0, 0, 0], crossed);
            for (var i = 0; i < nodes.Count; i++)
            {
                var registry = Akka.Hosting.ActorRegistry.For(nodes[i].System);
                foreach (var region in new[] { registry.Get<ObjectRegion>(), registry.Get<NameRegion>() })
                {
                    var state = await region.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
                    var expected = source.Where(kv => kv.Value == i).Select(kv => kv.Key).ToList();
                    Assert.All(state.Shards, s => Assert.Contains(KSpanMessageExtractor.ClusterOf(s.ShardId), expected));
                    if (expected.Count > 0) Assert.NotEmpty(state.Shards);
                }
            }
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task Stopping_a_node_mid_replay_still_gives_every_expected_span_exactly_once_and_the_same_tree()
    {
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(exporter);
        try
        {
            var (facts, expected) = Scenarios.Rollout();
            var half = facts.Count / 2;
            for (var i = 0; i < half; i++) nodes[i % 3].Feed(facts[i]);
            await PipelineRuntime.WhenQuietAsync(nodes).WaitAsync(TimeSpan.FromSeconds(30));

            // A graceful leave (SIGTERM): coordinated shutdown hands its shards off; its entities hand their state on.
            var leaving = nodes[2];
            var held = await Akka.Hosting.ActorRegistry.For(leaving.System).Get<ObjectRegion>()
                .Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
            Assert.True(held.Shards.Sum(s => s.EntityIds.Count) > 0, "the leaving node hosted no entity: nothing would be tested");
            nodes.RemoveAt(2);
            await leaving.DisposeAsync();

            for (var i = half; i < facts.Count; i++) nodes[i % 2].Feed(facts[i]);
            await PipelineRuntime.DrainAsync(nodes).WaitAsync(TimeSpan.FromSeconds(90));

            var uids = exporter.Spans.Select(s => s.Attribute("k8s.event.uid")).OfType<string>().ToList();
            Assert.Equal(expected.Keys.Order(), uids.Order()); // every event span exactly once
            Assert.Equal(expected.OrderBy(kv => kv.Key), TreeText.Parents(exporter.Spans).OrderBy(kv => kv.Key));
            Assert.Single(exporter.Spans, s => s.IsRoot);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }
}
