using Akka.Actor;
using Akka.Cluster;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.ScaleOut;

/// <summary>Three ActorSystems on loopback ports form one cluster; ObjectActors spread across them by sharding.</summary>
[Collection("akka-cluster")]
public sealed class ThreeNodeClusterTests
{
    private static PipelineSettings Node(IReadOnlyList<string> seeds) => new()
    {
        Hostname = "127.0.0.1",
        Port = 0,
        SeedNodes = seeds,
        Shards = 30,
        BatchInterval = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<List<PipelineRuntime>> StartClusterAsync(PipelineTracker tracker, CapturingExporter exporter)
    {
        var first = await PipelineRuntime.StartAsync(Node([]), [exporter], sharedTracker: tracker);
        var seed = Akka.Cluster.Cluster.Get(first.System).SelfAddress.ToString();
        var nodes = new List<PipelineRuntime> { first };
        for (var i = 0; i < 2; i++) nodes.Add(await PipelineRuntime.StartAsync(Node([seed]), [exporter], sharedTracker: tracker));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (nodes.Any(n => Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == MemberStatus.Up) < 3))
        {
            await Task.Delay(50, cts.Token);
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
        var tracker = new PipelineTracker();
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(tracker, exporter);
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

    [Fact]
    public async Task Stopping_a_node_mid_replay_still_gives_every_expected_span_exactly_once_and_the_same_tree()
    {
        var tracker = new PipelineTracker();
        var exporter = new CapturingExporter();
        var nodes = await StartClusterAsync(tracker, exporter);
        try
        {
            var (facts, expected) = Scenarios.Rollout();
            var half = facts.Count / 2;
            for (var i = 0; i < half; i++) nodes[i % 3].Feed(facts[i]);
            await tracker.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));

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
