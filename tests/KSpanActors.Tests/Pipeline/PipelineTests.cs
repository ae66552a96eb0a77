using KSpanActors.Tests.FakeKube;
using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

[CollectionDefinition("akka-cluster", DisableParallelization = true)]
public sealed class AkkaClusterCollection;

/// <summary>The sharded actor pipeline end to end in one process (a one-node cluster).</summary>
[Collection("akka-cluster")]
public class PipelineTests
{
    private static async Task<(IReadOnlyList<SpanRecord> Spans, PipelineMetrics Metrics)> RunAsync(IEnumerable<IFact> facts, PipelineSettings? settings = null, CapturingExporter? exporter = null)
    {
        exporter ??= new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(settings ?? new PipelineSettings(), [exporter]);
        foreach (var f in facts) runtime.Feed(f);
        await runtime.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (exporter.Spans, runtime.Metrics);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(99)]
    public async Task Rollout_through_sharded_actors_gives_the_expected_tree_in_any_feed_order(int seed)
    {
        var (facts, expected) = Scenarios.Rollout();
        if (seed != 0) new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(facts));

        var (spans, metrics) = await RunAsync(facts);

        Assert.Equal(expected.OrderBy(kv => kv.Key), TreeText.Parents(spans).OrderBy(kv => kv.Key));
        Assert.Equal(17, spans.Count);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
        Assert.Equal(17, metrics.SpansExported);
        Assert.Equal(0, metrics.SpansDropped);
    }

    [Fact]
    public async Task An_owner_cycle_is_cut_counted_and_its_events_still_exported()
    {
        var facts = new List<IFact>
        {
            Obj("a", "ConfigThing", "a", "10:00:00", Owner("ConfigThing", "b", "b")),
            Obj("b", "ConfigThing", "b", "10:00:00", Owner("ConfigThing", "a", "a")),
            Obj("self", "ConfigThing", "self", "10:00:00", Owner("ConfigThing", "self", "self")),
            Ev("ea", "ConfigThing", "a", "a", "Reconciled", "ok", "10:00:01", "operator"),
            Ev("eb", "ConfigThing", "b", "b", "Reconciled", "ok", "10:00:02", "operator"),
            Ev("es", "ConfigThing", "self", "self", "Reconciled", "ok", "10:00:03", "operator"),
        };

        var (spans, metrics) = await RunAsync(facts);

        Assert.True(metrics.OwnerCycles >= 2);
        Assert.Equal(["ea", "eb", "es"], spans.Select(s => s.Attribute("k8s.event.uid")).OfType<string>().Order());
    }

    [Fact]
    public async Task An_object_actor_knows_its_cluster_and_uid_whatever_characters_they_hold()
    {
        // Each ObjectActor reads its (cluster, uid) back from its actor name, which sharding escapes.
        const string cluster = "prod eu+1 ü%41~*'()";
        var dep = Obj("dép uid+/%2F 1", "Deployment", "web", "10:00:00") with { Cluster = cluster };
        var ev = Ev("e1", "Deployment", "web", dep.Uid, "ScalingReplicaSet", "Scaled up replica set web-1 to 1", "10:00:01", "deployment-controller") with { Cluster = cluster };
        var (spans, metrics) = await RunAsync([dep, ev]);

        var span = Assert.Single(spans, s => s.Attribute("k8s.event.uid") == "e1");
        Assert.Equal(cluster, span.Resource.ClusterName);
        Assert.Equal(dep.Uid, span.Attribute("k8s.deployment.uid"));
        var root = Assert.Single(spans, s => s.IsRoot);
        Assert.Equal(root.SpanId, span.ParentSpanId);
        Assert.Equal(dep.Uid, root.Attribute("k8s.deployment.uid"));
        Assert.Equal(0, metrics.Orphans);
    }

    [Fact]
    public async Task Events_of_unknown_objects_are_never_dropped()
    {
        var facts = new List<IFact>
        {
            Ev("n1", "Node", "node-1", "node-uid", "NodeNotReady", "Node node-1 status is now: NodeNotReady", "10:00:00", "node-controller", warning: true),
            Ev("x1", "Widget", "w", null, "Synced", "synced", "10:00:01", "widget-operator"),
        };

        var (spans, metrics) = await RunAsync(facts);

        Assert.Equal(["n1", "x1"], spans.Select(s => s.Attribute("k8s.event.uid")).OfType<string>().Order());
        Assert.Equal(2, spans.Count(s => s.IsRoot && s.Attribute("k8s.event.uid") is null));
        Assert.Equal(2, metrics.Orphans);
    }

    [Fact]
    public async Task A_failing_exporter_is_retried_and_receives_every_span()
    {
        var (facts, expected) = Scenarios.Rollout();
        var exporter = new CapturingExporter { FailuresLeft = 2 };

        var (spans, metrics) = await RunAsync(facts, new PipelineSettings { ExportAttempts = 3 }, exporter);

        Assert.Equal(expected.Count + 1, spans.Count);
        Assert.Equal(2, metrics.ExportFailures);
        Assert.Equal(0, metrics.SpansDropped);
    }

    [Fact]
    public async Task With_a_settle_period_traces_are_exported_without_a_drain_and_late_events_become_late_spans()
    {
        var (facts, _) = Scenarios.Rollout();
        var exporter = new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineSettings { SettleAfter = TimeSpan.FromMilliseconds(300), BatchInterval = TimeSpan.FromMilliseconds(100) }, [exporter]);
        foreach (var f in facts) runtime.Feed(f);
        await AwaitAsync(() => exporter.Spans.Count == 17);

        runtime.Feed(Ev("late", "Pod", "web-new-a", "p-new-a", "Unhealthy", "Readiness probe failed", "10:00:30", "kubelet", warning: true));
        runtime.Feed(Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler"));
        await AwaitAsync(() => exporter.Spans.Count == 18);

        var late = exporter.Spans.Single(s => s.Attribute("k8s.event.uid") == "late");
        var create = exporter.Spans.Single(s => s.Attribute("k8s.event.uid") == "e2");
        Assert.Equal(create.SpanId, late.ParentSpanId);
        Assert.Equal(create.TraceId, late.TraceId);
        await runtime.FlushAsync();
        Assert.Equal(18, exporter.Spans.Count); // the re-observed e3 was not emitted twice
    }

    [Fact]
    public async Task An_event_after_every_actor_passivated_still_joins_its_trace_under_the_same_root()
    {
        var (facts, _) = Scenarios.Rollout();
        var exporter = new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineSettings
        {
            SettleAfter = TimeSpan.FromMilliseconds(200),
            PassivateAfter = TimeSpan.FromMilliseconds(800),
            BatchInterval = TimeSpan.FromMilliseconds(100),
        }, [exporter]);
        foreach (var f in facts) runtime.Feed(f);
        await AwaitAsync(() => exporter.Spans.Count == 17);
        var objects = Akka.Hosting.ActorRegistry.For(runtime.System).Get<ObjectRegion>();
        await AwaitAsync(async () =>
        {
            var stats = await objects.Ask<Akka.Cluster.Sharding.ShardRegionStats>(Akka.Cluster.Sharding.GetShardRegionStats.Instance, TimeSpan.FromSeconds(5));
            return stats.Stats.Values.Sum() == 0; // every ObjectActor stopped: their state is gone
        });

        runtime.Feed(Ev("late", "Pod", "web-new-a", "p-new-a", "Unhealthy", "Readiness probe failed", "10:00:30", "kubelet", warning: true));
        await AwaitAsync(() => exporter.Spans.Count == 18);
        await runtime.FlushAsync();

        var late = exporter.Spans.Single(s => s.Attribute("k8s.event.uid") == "late");
        var create = exporter.Spans.Single(s => s.Attribute("k8s.event.uid") == "e2");
        Assert.Equal(create.TraceId, late.TraceId);
        // The retained controller actions (the pod's create) went with the old actors: the late span hangs under the
        // trace's root, which was not exported again.
        var root = Assert.Single(exporter.Spans, s => s.TraceId == late.TraceId && s.IsRoot);
        Assert.Equal(root.SpanId, late.ParentSpanId);
        Assert.Equal(18, exporter.Spans.Count);
        Assert.Equal(0, runtime.Metrics.Orphans);
    }

    private static Task AwaitAsync(Func<Task<bool>> condition) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(30));

    private static Task AwaitAsync(Func<bool> condition) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(30));
}
