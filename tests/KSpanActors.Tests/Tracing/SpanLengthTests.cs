using KSpanActors.Model;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Tracing;

/// <summary>
/// docs/trace-model.md, "Length": a span lasts only as long as the events say something took. Pulling → Pulled; the first
/// occurrence seen of an event with count N &gt; 1 covers its unseen repeats; every other span is a point.
/// </summary>
public class SpanLengthTests
{
    private const string App = "spec.containers{app}";
    private static readonly ObjectRef Top = new("Pod", "default", "web-0");

    private static List<SpanRecord> Assemble(IEnumerable<IFact> facts, TraceFamily? family = null)
    {
        family ??= new TraceFamily(Cluster, "pod", Top);
        foreach (var f in facts) family.Add(f);
        return TraceAssembler.Assemble(family).SelectMany(t => t.Spans).ToList();
    }

    private static SpanRecord Event(List<SpanRecord> spans, string uid) => spans.Single(s => s.Attribute("k8s.event.uid") == uid);

    private static List<IFact> Pod(params EventObserved[] events) => [Obj("pod", "Pod", "web-0", "10:00:00", manager: "kubectl"), .. events];

    [Fact]
    public void An_event_is_a_point_even_when_its_object_has_a_later_event()
    {
        var spans = Assemble(Pod(
            Ev("s", "Pod", "web-0", "pod", "Scheduled", "Successfully assigned default/web-0 to n1", "10:00:01", "default-scheduler"),
            Ev("st", "Pod", "web-0", "pod", "Started", "Started container app", "10:00:03", "kubelet", fieldPath: App),
            Ev("k", "Pod", "web-0", "pod", "Killing", "Stopping container app", "10:01:03", "kubelet", fieldPath: App)));

        Assert.Equal(T("10:00:01"), Event(spans, "s").StartNs);
        Assert.Equal(T("10:00:01"), Event(spans, "s").EndNs);
        Assert.Equal(T("10:00:03"), Event(spans, "st").StartNs);
        Assert.Equal(T("10:00:03"), Event(spans, "st").EndNs); // not "until Killing a minute later"
        Assert.Equal(T("10:01:03"), Event(spans, "k").EndNs);
    }

    [Fact]
    public void Controller_actions_are_points_and_the_root_covers_the_pods_they_made()
    {
        var (facts, _) = Support.Scenarios.Rollout();
        var family = new TraceFamily(Cluster, "dep", new ObjectRef("Deployment", "default", "web"));
        var spans = Assemble(facts, family);

        var create = Event(spans, "e2");
        Assert.Equal(create.StartNs, create.EndNs);
        Assert.Equal(Event(spans, "e1").StartNs, Event(spans, "e1").EndNs);
        var root = spans.Single(s => s.IsRoot);
        Assert.All(spans, s => Assert.True(root.StartNs <= s.StartNs && s.EndNs <= root.EndNs, s.Name));
        Assert.Equal(T("10:00:09"), root.EndNs);
    }

    [Fact]
    public void Pulling_ends_at_the_first_Pulled_of_the_same_container_including_the_same_second()
    {
        var spans = Assemble(Pod(
            Ev("p1", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:00:01", "kubelet", fieldPath: App),
            Ev("side", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"sidecar:1\"", "10:00:02", "kubelet", fieldPath: "spec.containers{sidecar}"),
            Ev("other", "Pod", "web-1", "pod-1", "Pulled", "Successfully pulled image \"app:1\"", "10:00:03", "kubelet", fieldPath: App),
            Ev("d1", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"app:1\" in 6s", "10:00:07", "kubelet", fieldPath: App),
            Ev("d2", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"app:1\" in 1s", "10:00:20", "kubelet", fieldPath: App),
            Ev("p2", "Pod", "web-0", "pod", "Pulling", "Pulling image \"init:1\"", "10:00:30", "kubelet", fieldPath: "spec.initContainers{init}"),
            Ev("d3", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"init:1\" in 0.4s", "10:00:30", "kubelet", fieldPath: "spec.initContainers{init}")));

        var pulling = Event(spans, "p1");
        Assert.Equal((T("10:00:01"), T("10:00:07")), (pulling.StartNs, pulling.EndNs));
        Assert.Equal((T("10:00:30"), T("10:00:30")), (Event(spans, "p2").StartNs, Event(spans, "p2").EndNs));
        Assert.Equal(Event(spans, "d1").StartNs, Event(spans, "d1").EndNs); // Pulled itself is a point
    }

    [Fact]
    public void A_Pulling_followed_by_another_Pulling_before_any_Pulled_is_a_point()
    {
        // The first attempt failed (ErrImagePull); the second one is the pull that finished.
        var spans = Assemble(Pod(
            Ev("pull", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:00:01", "kubelet", fieldPath: App),
            Ev("fail", "Pod", "web-0", "pod", "Failed", "Error: ErrImagePull", "10:00:02", "kubelet", warning: true, fieldPath: App),
            Ev("pull", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:00:20", "kubelet", count: 2, fieldPath: App, first: "10:00:01"),
            Ev("done", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"app:1\" in 3s", "10:00:23", "kubelet", fieldPath: App)));

        var pulls = spans.Where(s => s.Name == "Pod.Pulling").OrderBy(s => s.StartNs).ToList();
        Assert.Equal(2, pulls.Count);
        Assert.Equal((T("10:00:01"), T("10:00:01")), (pulls[0].StartNs, pulls[0].EndNs));
        // Count 2 was not the first occurrence seen of this event: it covers nothing, it only runs to its Pulled.
        Assert.Equal((T("10:00:20"), T("10:00:23")), (pulls[1].StartNs, pulls[1].EndNs));
    }

    [Fact]
    public void The_first_occurrence_seen_with_count_above_one_covers_its_unseen_repeats_and_later_ones_are_points()
    {
        var spans = Assemble(Pod(
            Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off restarting failed container app", "10:30:00", "kubelet", count: 94, warning: true, fieldPath: App, first: "10:00:10"),
            Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off restarting failed container app", "10:35:00", "kubelet", count: 95, warning: true, fieldPath: App, first: "10:00:10"),
            Ev("once", "Pod", "web-0", "pod", "Unhealthy", "Liveness probe failed", "10:00:05", "kubelet", warning: true, fieldPath: App, first: "10:00:05")));

        var backoffs = spans.Where(s => s.Name == "Pod.BackOff").OrderBy(s => s.StartNs).ToList();
        Assert.Equal((T("10:00:10"), T("10:30:00")), (backoffs[0].StartNs, backoffs[0].EndNs));
        Assert.Equal((T("10:35:00"), T("10:35:00")), (backoffs[1].StartNs, backoffs[1].EndNs));
        Assert.Equal(Event(spans, "once").StartNs, Event(spans, "once").EndNs);
        var root = spans.Single(s => s.IsRoot);
        Assert.Equal((T("10:00:00"), T("10:35:00")), (root.StartNs, root.EndNs));
    }

    [Fact]
    public void A_repeated_event_without_a_known_first_time_is_a_point()
    {
        var spans = Assemble(Pod(Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off restarting failed container app", "10:30:00", "kubelet", count: 94, warning: true)));

        Assert.Equal((T("10:30:00"), T("10:30:00")), (Event(spans, "b").StartNs, Event(spans, "b").EndNs));
    }

    [Fact]
    public void A_pull_seen_with_count_above_one_covers_its_repeats_and_runs_to_its_Pulled()
    {
        var spans = Assemble(Pod(
            Ev("pull", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:01:26", "kubelet", count: 4, fieldPath: App, first: "10:00:01"),
            Ev("done", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"app:1\" in 3s", "10:01:29", "kubelet", fieldPath: App)));

        Assert.Equal((T("10:00:01"), T("10:01:29")), (Event(spans, "pull").StartNs, Event(spans, "pull").EndNs));
    }

    [Fact]
    public void An_occurrence_that_comes_after_the_first_one_was_exported_and_forgotten_covers_nothing()
    {
        var family = new TraceFamily(Cluster, "pod", Top);
        var first = Assemble(Pod(Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off restarting failed container app", "10:30:00", "kubelet", count: 94, warning: true, first: "10:00:10")), family);
        Assert.Equal(T("10:00:10"), Event(first, "b").StartNs);
        family.ForgetExcept(static _ => false);

        var late = Assemble([Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off restarting failed container app", "10:35:00", "kubelet", count: 95, warning: true, first: "10:00:10")], family);

        Assert.Equal((T("10:35:00"), T("10:35:00")), (Event(late, "b").StartNs, Event(late, "b").EndNs));
    }

    [Fact]
    public void A_span_covering_repeats_starts_no_earlier_than_its_parent()
    {
        // The pod's name was used before: its FailedMount count says it began before this pod's create.
        var facts = new List<IFact>
        {
            Obj("rs", "ReplicaSet", "web", "09:00:00", manager: "kubectl"),
            Ev("c", "ReplicaSet", "web", "rs", "SuccessfulCreate", "Created pod: web-a", "10:00:00", "replicaset-controller"),
            Ev("m", "Pod", "web-a", null, "FailedMount", "MountVolume.SetUp failed for volume \"data\"", "10:05:00", "kubelet", count: 12, warning: true, first: "09:50:00"),
        };
        var family = new TraceFamily(Cluster, "rs", new ObjectRef("ReplicaSet", "default", "web"));
        var spans = Assemble(facts, family);

        var mount = Event(spans, "m");
        Assert.Equal(Event(spans, "c").SpanId, mount.ParentSpanId);
        Assert.Equal((T("10:00:00"), T("10:05:00")), (mount.StartNs, mount.EndNs));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(99)]
    public void Lengths_do_not_depend_on_arrival_order(int seed)
    {
        var facts = Pod(
            Ev("pull", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:01:26", "kubelet", count: 4, fieldPath: App, first: "10:00:01"),
            Ev("pull", "Pod", "web-0", "pod", "Pulling", "Pulling image \"app:1\"", "10:02:00", "kubelet", count: 5, fieldPath: App, first: "10:00:01"),
            Ev("done", "Pod", "web-0", "pod", "Pulled", "Successfully pulled image \"app:1\" in 3s", "10:02:03", "kubelet", fieldPath: App),
            Ev("b", "Pod", "web-0", "pod", "BackOff", "Back-off pulling image \"app:1\"", "10:01:50", "kubelet", count: 6, warning: true, fieldPath: App, first: "10:00:02"));
        var shuffled = facts.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));

        static string Key(SpanRecord s) => $"{s.SpanId} {s.StartNs} {s.EndNs}";
        Assert.Equal(Assemble(facts).Select(Key).Order(), Assemble(shuffled).Select(Key).Order());
    }
}
