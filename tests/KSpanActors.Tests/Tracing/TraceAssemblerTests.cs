using KSpanActors.Model;
using KSpanActors.Tests.Support;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Tracing;

public class TraceAssemblerTests
{
    private static List<SpanRecord> Assemble(IEnumerable<IFact> facts, string topUid, ObjectRef top)
    {
        var family = new TraceFamily(Cluster, topUid, top);
        foreach (var f in facts) family.Add(f);
        return TraceAssembler.Assemble(family).SelectMany(t => t.Spans).ToList();
    }

    [Fact]
    public void Rollout_events_hang_under_the_controller_action_that_caused_them()
    {
        var (facts, expected) = Scenarios.Rollout();
        var spans = Assemble(facts, "dep", new ObjectRef("Deployment", "default", "web"));

        Assert.Equal(expected.OrderBy(kv => kv.Key), TreeText.Parents(spans).OrderBy(kv => kv.Key));
        var root = Assert.Single(spans, s => s.IsRoot);
        Assert.Equal("Deployment.Update", root.Name);
        Assert.Equal("kubectl-client-side-apply", root.Resource.ServiceName);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(1234)]
    public void Same_facts_in_any_order_give_the_same_tree_and_ids(int seed)
    {
        var (facts, _) = Scenarios.Rollout();
        var top = new ObjectRef("Deployment", "default", "web");
        var ordered = Assemble(facts, "dep", top);
        var shuffled = facts.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));

        var again = Assemble(shuffled, "dep", top);

        Assert.Equal(TreeText.Render(ordered), TreeText.Render(again));
        Assert.Equal(ordered.Select(Key).Order(), again.Select(Key).Order());

        static string Key(SpanRecord s) => $"{s.TraceId} {s.SpanId} {s.ParentSpanId} {s.StartNs} {s.EndNs}";
    }

    [Fact]
    public void Pulling_ends_when_its_image_is_pulled_and_the_root_covers_every_span()
    {
        var (facts, _) = Scenarios.Rollout();
        var spans = Assemble(facts, "dep", new ObjectRef("Deployment", "default", "web"));
        var pulling = spans.Single(s => s.Attribute("k8s.event.uid") == "e4");
        Assert.Equal(T("10:00:06"), pulling.EndNs);
        Assert.Equal("app", pulling.Attribute("k8s.container.name"));
        var root = spans.Single(s => s.IsRoot);
        Assert.All(spans, s => Assert.True(root.StartNs <= s.StartNs && root.EndNs >= s.EndNs, s.Name));
        Assert.Equal(T("10:00:00"), root.StartNs);
        Assert.Equal(T("10:00:09"), root.EndNs);
    }

    [Fact]
    public void Statefulset_pod_recreated_under_the_same_name_belongs_to_the_newer_create()
    {
        var sts = Owner("StatefulSet", "db", "sts");
        var facts = new List<IFact>
        {
            Obj("sts", "StatefulSet", "db", "10:00:00", manager: "helm"),
            Obj("pod-a", "Pod", "db-0", "10:00:01", sts),
            Obj("pod-b", "Pod", "db-0", "10:00:20", sts),
            Ev("c1", "StatefulSet", "db", "sts", "SuccessfulCreate", "create Pod db-0 in StatefulSet db successful", "10:00:01", "statefulset-controller"),
            Ev("a1", "Pod", "db-0", "pod-a", "Scheduled", "Successfully assigned default/db-0 to n1", "10:00:01", "default-scheduler"),
            Ev("a2", "Pod", "db-0", "pod-a", "Started", "Started container db", "10:00:05", "kubelet"),
            Ev("d1", "StatefulSet", "db", "sts", "SuccessfulDelete", "delete Pod db-0 in StatefulSet db successful", "10:00:19", "statefulset-controller"),
            Ev("a3", "Pod", "db-0", "pod-a", "Killing", "Stopping container db", "10:00:19", "kubelet"),
            Ev("c2", "StatefulSet", "db", "sts", "SuccessfulCreate", "create Pod db-0 in StatefulSet db successful", "10:00:20", "statefulset-controller"),
            Ev("b1", "Pod", "db-0", "pod-b", "Scheduled", "Successfully assigned default/db-0 to n2", "10:00:20", "default-scheduler"),
            Ev("b2", "Pod", "db-0", "pod-b", "Started", "Started container db", "10:00:24", "kubelet"),
        };
        var parents = TreeText.Parents(Assemble(facts, "sts", new ObjectRef("StatefulSet", "default", "db")));
        Assert.Equal("ROOT", parents["c1"]);
        Assert.Equal("ROOT", parents["c2"]);
        Assert.Equal("ROOT", parents["d1"]);
        Assert.Equal("c1", parents["a1"]);
        Assert.Equal("c1", parents["a2"]);
        Assert.Equal("d1", parents["a3"]);
        Assert.Equal("c2", parents["b1"]);
        Assert.Equal("c2", parents["b2"]);
    }

    [Fact]
    public void Killing_goes_to_the_delete_and_other_events_to_the_create_when_both_fall_in_the_same_second()
    {
        var facts = new List<IFact>
        {
            Obj("rs", "ReplicaSet", "r", "10:00:00", manager: "kubectl"),
            Ev("c", "ReplicaSet", "r", "rs", "SuccessfulCreate", "Created pod: r-1", "10:00:05", "replicaset-controller"),
            Ev("d", "ReplicaSet", "r", "rs", "SuccessfulDelete", "Deleted pod: r-1", "10:00:05", "replicaset-controller"),
            Ev("k", "Pod", "r-1", "p", "Killing", "Stopping container", "10:00:05", "kubelet"),
            Ev("s", "Pod", "r-1", "p", "Scheduled", "Successfully assigned default/r-1 to n", "10:00:05", "default-scheduler"),
        };
        var parents = TreeText.Parents(Assemble(facts, "rs", new ObjectRef("ReplicaSet", "default", "r")));
        Assert.Equal("d", parents["k"]);
        Assert.Equal("c", parents["s"]);
    }

    [Fact]
    public void A_repeated_event_gives_one_span_per_observed_occurrence_and_warnings_are_errors()
    {
        var facts = new List<IFact>
        {
            Obj("pod", "Pod", "crash", "10:00:00", manager: "kubectl"),
            Ev("b", "Pod", "crash", "pod", "BackOff", "Back-off restarting failed container", "10:01:00", "kubelet", count: 3, warning: true),
            Ev("b", "Pod", "crash", "pod", "BackOff", "Back-off restarting failed container", "10:02:00", "kubelet", count: 4, warning: true),
            Ev("b", "Pod", "crash", "pod", "BackOff", "Back-off restarting failed container", "10:02:00", "kubelet", count: 4, warning: true),
            Ev("v", "Pod", "crash", "pod", "BackOff", "Back-off restarting failed container", "10:30:00", "kubelet", count: 94, warning: true),
        };
        var spans = Assemble(facts, "pod", new ObjectRef("Pod", "default", "crash"));
        var backoffs = spans.Where(s => s.Name == "Pod.BackOff").ToList();
        Assert.Equal(3, backoffs.Count);
        Assert.All(backoffs, s => Assert.Equal(SpanStatus.Error, s.Status));
        Assert.Equal(3, backoffs.Select(s => s.SpanId).Distinct().Count());
        Assert.Equal(["3", "4", "94"], backoffs.Select(s => s.Attribute("k8s.event.count")!).Order());
    }

    [Fact]
    public void A_topLevelSpan_event_becomes_the_root_and_the_root_is_stretched_back_to_the_change()
    {
        var facts = new List<IFact>
        {
            Obj("dep", "Deployment", "app", "09:00:00", generation: 3, manager: "kustomize-controller", specTime: "10:00:00", operation: "Apply"),
            Ev("s1", "Deployment", "app", "dep", "ScalingReplicaSet", "Scaled up replica set app-2 to 1", "10:00:01", "deployment-controller"),
            Ev("sync", "Deployment", "app", null, "Sync", "Applied revision main/abc", "10:00:05", "flux", topLevel: true),
        };
        var spans = Assemble(facts, "dep", new ObjectRef("Deployment", "default", "app"));
        var root = Assert.Single(spans, s => s.IsRoot);
        Assert.Equal("Deployment.Sync", root.Name);
        Assert.Equal("flux", root.Resource.ServiceName);
        Assert.Equal(T("10:00:00"), root.StartNs);
        Assert.Equal("ROOT", TreeText.Parents(spans)["s1"]);
    }

    /// <summary>
    /// A failover: the replica that held the family exported its trace and died; a survivor rebuilds the family (a relist)
    /// knowing only the span ids exported anywhere. Whichever span was the root, the trace keeps one root.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_family_rebuilt_after_its_root_was_exported_elsewhere_adds_no_second_root(bool survivorSeesTheSyncEvent)
    {
        var facts = FluxChange();
        var first = Assemble(facts, "dep", new ObjectRef("Deployment", "default", "app"));
        var exported = first.Select(s => s.SpanId.Value).ToHashSet();
        foreach (var s in first) if (TraceAssembler.OccurrenceIdOfRoot(s) is { } alias) exported.Add(alias.Value);

        var rebuilt = survivorSeesTheSyncEvent ? facts : facts.Where(f => f is not EventObserved { EventUid: "sync" }).ToList();
        rebuilt.Add(Ev("late", "Deployment", "app", "dep", "ScalingReplicaSet", "Scaled down replica set app-1 to 0", "10:00:09", "deployment-controller"));
        var family = new TraceFamily(Cluster, "dep", new ObjectRef("Deployment", "default", "app"));
        foreach (var f in rebuilt) family.Add(f);
        var more = TraceAssembler.Assemble(family, null, exported).SelectMany(t => t.Spans).ToList();

        var late = Assert.Single(more);
        Assert.Equal(Assert.Single(first, s => s.IsRoot).SpanId, late.ParentSpanId);
        Assert.Equal(first[0].TraceId, late.TraceId);
    }

    [Fact]
    public void A_topLevelSpan_event_known_only_after_the_default_root_went_out_becomes_a_span_under_that_root()
    {
        var facts = FluxChange();
        var withoutSync = facts.Where(f => f is not EventObserved { EventUid: "sync" }).ToList();
        var first = Assemble(withoutSync, "dep", new ObjectRef("Deployment", "default", "app"));
        var root = Assert.Single(first, s => s.IsRoot);
        Assert.Equal("Deployment.Apply", root.Name);

        var family = new TraceFamily(Cluster, "dep", new ObjectRef("Deployment", "default", "app"));
        foreach (var f in facts) family.Add(f);
        var more = TraceAssembler.Assemble(family, null, first.Select(s => s.SpanId.Value).ToHashSet()).SelectMany(t => t.Spans).ToList();

        var sync = Assert.Single(more);
        Assert.Equal("Deployment.Sync", sync.Name);
        Assert.Equal(root.SpanId, sync.ParentSpanId);
        Assert.Equal(StableHash.Event(Cluster, "sync", 1), sync.SpanId);
    }

    private static List<IFact> FluxChange() =>
    [
        Obj("dep", "Deployment", "app", "09:00:00", generation: 3, manager: "kustomize-controller", specTime: "10:00:00", operation: "Apply"),
        Ev("s1", "Deployment", "app", "dep", "ScalingReplicaSet", "Scaled up replica set app-2 to 1", "10:00:01", "deployment-controller"),
        Ev("sync", "Deployment", "app", null, "Sync", "Applied revision main/abc", "10:00:05", "flux", topLevel: true),
    ];

    [Fact]
    public void Each_generation_is_its_own_trace()
    {
        var facts = new List<IFact>
        {
            Obj("dep", "Deployment", "app", "09:00:00", generation: 1, manager: "kubectl-create", specTime: "09:00:00", rv: 1),
            Obj("dep", "Deployment", "app", "09:00:00", generation: 2, manager: "kubectl-edit", specTime: "11:00:00", rv: 5),
            Ev("g1", "Deployment", "app", "dep", "ScalingReplicaSet", "Scaled up replica set app-1 to 1", "09:00:01", "deployment-controller"),
            Ev("g2", "Deployment", "app", "dep", "ScalingReplicaSet", "Scaled up replica set app-2 to 1", "11:00:00", "deployment-controller"),
        };
        var spans = Assemble(facts, "dep", new ObjectRef("Deployment", "default", "app"));
        var roots = spans.Where(s => s.IsRoot).OrderBy(s => s.StartNs).ToList();
        Assert.Equal(2, roots.Count);
        Assert.Equal(["kubectl-create", "kubectl-edit"], roots.Select(r => r.Resource.ServiceName));
        Assert.NotEqual(roots[0].TraceId, roots[1].TraceId);
        Assert.Equal(roots[1].TraceId, spans.Single(s => s.Attribute("k8s.event.uid") == "g2").TraceId);
    }

    [Fact]
    public void Ids_are_deterministic_and_depend_on_cluster_uid_generation_and_count()
    {
        Assert.Equal(StableHash.Trace("a", "u", 1), StableHash.Trace("a", "u", 1));
        Assert.NotEqual(StableHash.Trace("a", "u", 1), StableHash.Trace("a", "u", 2));
        Assert.NotEqual(StableHash.Trace("a", "u", 1), StableHash.Trace("b", "u", 1));
        Assert.Equal(StableHash.Event("a", "e", 3), StableHash.Event("a", "e", 3));
        Assert.NotEqual(StableHash.Event("a", "e", 3), StableHash.Event("a", "e", 4));
        // Pinned: ids must not change between versions, or a replica upgrade would duplicate every span.
        Assert.Equal("042b7ab0eb32fb2f", StableHash.Event("kind", "e8acdb85-7a28-4ce1-9c5d-1d89467a17b6", 1).ToHex());
    }
}
