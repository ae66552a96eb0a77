using KSpanActors.Export.Waterfall;
using KSpanActors.Model;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Waterfall;

/// <summary>
/// docs/trace-model.md, "Where the time went": the verdict names the phase (scheduling, image pull, container start, crash
/// looping, controller, termination) that holds the most of the critical path, from what the events mean, never from
/// how long a span is drawn. One hand-written trace per phase, each shaped like what the kubelet and the controllers
/// report for that kind of trouble.
/// </summary>
public class PhaseVerdictTests
{
    private const string Pod1 = "px-1";

    private static SpanRecord Deployment(double end) => Span(
        1, 0, "Deployment.Update", "kubectl-client-side-apply", 0, end, null, false,
        ("k8s.namespace.name", "default"), ("k8s.deployment.name", "px"));

    private static SpanRecord BarePod(double end, string name = Pod1) => Span(
        1, 0, "Pod.Create", "kubectl-client-side-apply", 0, end, null, false,
        ("k8s.namespace.name", "default"), ("k8s.pod.name", name));

    private static SpanRecord Action(ulong id, ulong parent, string name, string service, double at, string message, double? until = null) =>
        Event(Span(id, parent, name, service, at, until ?? at, message));

    /// <summary>An event of pod <paramref name="pod"/> (a point unless <paramref name="until"/> says it covers repeats).</summary>
    private static SpanRecord Pod(
        ulong id, ulong parent, string reason, double at, double? until = null, string? message = null, bool warning = false,
        string? container = "app", string pod = Pod1, long count = 1)
    {
        var span = Span(id, parent, "Pod." + reason, reason is "Scheduled" or "FailedScheduling" ? "default-scheduler" : "kubelet",
            at, until ?? at, message ?? reason, warning);
        span = span with { Attributes = span.Attributes.Add(SpanAttribute.Of("k8s.event.count", count)) };
        return PodEvent(span, reason is "Scheduled" or "FailedScheduling" ? null : container, pod);
    }

    /// <summary>A scaling at 0s and the create of <see cref="Pod1"/> at <paramref name="createdAt"/> under it.</summary>
    private static SpanRecord[] ScaledUp(double createdAt = 0) =>
    [
        Action(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, "Scaled up replica set px-5d to 1"),
        Action(3, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", createdAt, "Created pod: " + Pod1),
    ];

    [Fact]
    public void Scheduling_from_the_pods_create_to_Scheduled()
    {
        var trace = Group((SpanRecord[])[Deployment(14), .. ScaledUp(),
            Pod(10, 3, "Scheduled", 12, message: "Successfully assigned default/px-1 to node-2"),
            Pod(11, 3, "Pulled", 12.5, message: "Container image \"px:1\" already present on machine"),
            Pod(12, 3, "Created", 13),
            Pod(13, 3, "Started", 14)]);

        Assert.Equal("rollout default/px 14.0s — critical path: scheduling 12.0s (86%)", Verdict.Describe(trace));
    }

    [Fact]
    public void Scheduling_with_FailedScheduling_inside_says_unschedulable_and_why()
    {
        var trace = Group((SpanRecord[])[Deployment(40), .. ScaledUp(),
            Pod(10, 3, "FailedScheduling", 0.5, until: 30, message: "0/3 nodes are available: 3 Insufficient memory.", warning: true, count: 5),
            Pod(11, 3, "Scheduled", 35),
            Pod(12, 3, "Pulling", 35, until: 39),
            Pod(13, 3, "Pulled", 39),
            Pod(14, 3, "Created", 39.5),
            Pod(15, 3, "Started", 40)]);

        Assert.Equal(
            "rollout default/px 40.0s — critical path: unschedulable: 0/3 nodes are available: 3 Insufficient memory. 35.0s (88%)"
            + " — 1 error: Pod.FailedScheduling 0/3 nodes are available: 3 Insufficient memory.",
            Verdict.Describe(trace));
    }

    [Fact]
    public void A_pod_that_never_got_a_node_is_unschedulable_until_its_last_FailedScheduling()
    {
        var trace = Group((SpanRecord[])[Deployment(300), .. ScaledUp(),
            Pod(10, 3, "FailedScheduling", 1, until: 300, message: "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.", warning: true, count: 3)]);

        Assert.StartsWith("rollout default/px 5m00s — critical path: unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.co… 5m00s (100%) — 1 error", Verdict.Describe(trace));
    }

    [Fact]
    public void Image_pull_from_Pulling_to_Pulled()
    {
        Assert.Equal("rollout default/px 9.1s — critical path: image pull 5.9s (65%)", Verdict.Describe(Group(Rollout(withBackOff: false))));
    }

    [Fact]
    public void Image_pull_failing_lasts_from_the_first_pull_to_the_last_failure_with_retries_seen_as_counts()
    {
        // Read from a List after the fact: every event already repeated (count 4-5), covering its first to its last time.
        var trace = Group((SpanRecord[])[Deployment(101), .. ScaledUp(),
            Pod(10, 3, "Scheduled", 0.2),
            Pod(11, 3, "Pulling", 1, until: 87, message: "Pulling image \"noimage.example/none\"", count: 4),
            Pod(12, 3, "Failed", 2, until: 88, message: "Failed to pull image \"noimage.example/none\": not found", warning: true, count: 4),
            Pod(13, 3, "Failed", 2, until: 88, message: "Error: ErrImagePull", warning: true, count: 4),
            Pod(14, 3, "BackOff", 2, until: 101, message: "Back-off pulling image \"noimage.example/none\"", warning: true, count: 5),
            Pod(15, 3, "Failed", 2, until: 101, message: "Error: ImagePullBackOff", warning: true, count: 5)]);

        Assert.StartsWith("rollout default/px 1m41s — critical path: image pull failing 1m40s (99%) — 4 errors:", Verdict.Describe(trace));
    }

    [Fact]
    public void Image_pull_failures_seen_one_by_one_make_the_pull_failing_until_it_is_pulled()
    {
        var trace = Group((SpanRecord[])[Deployment(30), .. ScaledUp(),
            Pod(10, 3, "Scheduled", 0.2),
            Pod(11, 3, "Pulling", 1),
            Pod(12, 3, "Failed", 2, message: "Error: ErrImagePull", warning: true),
            Pod(13, 3, "BackOff", 3, message: "Back-off pulling image \"px:1\"", warning: true),
            Pod(14, 3, "Pulling", 20, until: 28),
            Pod(15, 3, "Pulled", 28),
            Pod(16, 3, "Created", 29),
            Pod(17, 3, "Started", 30)]);

        Assert.StartsWith("rollout default/px 30.0s — critical path: image pull failing 27.0s (90%)", Verdict.Describe(trace));
    }

    [Fact]
    public void Container_start_from_Created_to_Started()
    {
        var trace = Group(BarePod(32),
            Pod(10, 1, "Scheduled", 0.5),
            Pod(11, 1, "Pulled", 1, message: "Container image \"px:1\" already present on machine"),
            Pod(12, 1, "Created", 2),
            Pod(13, 1, "Started", 32));

        Assert.Equal("pod default/px-1 32.0s — critical path: container start 30.0s (94%)", Verdict.Describe(trace));
    }

    [Fact]
    public void Crash_looping_from_the_first_to_the_last_BackOff_or_Unhealthy()
    {
        var trace = Group(BarePod(300),
            Pod(10, 1, "Scheduled", 0.3),
            Pod(11, 1, "Pulling", 1, until: 3),
            Pod(12, 1, "Pulled", 3),
            Pod(13, 1, "Created", 3),
            Pod(14, 1, "Started", 3),
            Pod(15, 1, "Unhealthy", 10, until: 120, message: "Liveness probe failed: connection refused", warning: true, count: 9),
            Pod(16, 1, "BackOff", 40, until: 300, message: "Back-off restarting failed container app in pod px-1", warning: true, count: 12));

        Assert.StartsWith("pod default/px-1 5m00s — critical path: crash looping 4m50s (97%) — 2 errors: Pod.Unhealthy", Verdict.Describe(trace));
    }

    [Fact]
    public void Controller_from_a_scaling_to_the_create_it_caused()
    {
        // The ReplicaSet could not create the pod for 20 s (quota); FailedCreate is no phase, the wait is the controller's.
        var trace = Group((SpanRecord[])[Deployment(23), .. ScaledUp(createdAt: 20),
            Action(4, 1, "ReplicaSet.FailedCreate", "replicaset-controller", 0.5, "Error creating: pods \"px-1\" is forbidden: exceeded quota", until: 19),
            Pod(10, 3, "Scheduled", 20.2),
            Pod(11, 3, "Pulled", 21, message: "Container image \"px:1\" already present on machine"),
            Pod(12, 3, "Created", 21),
            Pod(13, 3, "Started", 23)]);

        Assert.Equal("rollout default/px 23.0s — critical path: controller 20.0s (87%)", Verdict.Describe(trace));
    }

    [Fact]
    public void Termination_from_a_pods_delete_to_its_Killing()
    {
        var trace = Group(Deployment(31),
            Action(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, "Scaled down replica set px-5d to 0"),
            Action(3, 2, "ReplicaSet.SuccessfulDelete", "replicaset-controller", 1, "Deleted pod: px-1"),
            Pod(10, 3, "Killing", 31, message: "Stopping container app"));

        Assert.Equal("rollout default/px 31.0s — critical path: termination 30.0s (97%)", Verdict.Describe(trace));
    }

    [Fact]
    public void A_trace_with_no_phase_says_so_and_does_not_guess()
    {
        var trace = Group(
            Span(1, 0, "StatefulSet.Update", "helm", 0, 600, null, false, ("k8s.namespace.name", "default"), ("k8s.statefulset.name", "db")),
            Action(2, 1, "StatefulSet.SuccessfulCreate", "statefulset-controller", 0, "create Pod db-0 in StatefulSet db successful"),
            Pod(10, 2, "FailedMount", 10, until: 600, message: "MountVolume.SetUp failed for volume \"data\"", warning: true, container: null, pod: "db-0", count: 50));

        Assert.Equal(
            "rollout default/db 10m00s — no phase: 2 events — 1 error: Pod.FailedMount MountVolume.SetUp failed for volume \"data\"",
            Verdict.Describe(trace));
    }

    [Fact]
    public void Drawn_lengths_of_instant_events_are_not_a_critical_path()
    {
        // Drawn as older versions did: Pulled, Created and Started "lasting" 51 s until the pod's next event.
        var trace = Group((SpanRecord[])[Deployment(60), .. ScaledUp(createdAt: 1),
            Pod(10, 3, "Scheduled", 1, until: 2),
            Pod(11, 3, "Pulling", 2, until: 9),
            Pod(12, 3, "Pulled", 9, until: 60),
            Pod(13, 3, "Created", 9, until: 60),
            Pod(14, 3, "Started", 9, until: 60)]);

        var verdict = Verdict.Describe(trace);

        Assert.StartsWith("rollout default/px 1m00s — critical path: image pull 7.0s (12%); ", verdict);
        Assert.DoesNotContain("Pulled", verdict);
    }

    [Fact]
    public void Of_two_pods_pulling_side_by_side_only_the_one_that_finished_last_is_on_the_path()
    {
        var trace = Group(Deployment(12),
            Action(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, "Scaled up replica set px-5d to 2"),
            Action(3, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 1, "Created pod: px-a"),
            Action(4, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 1, "Created pod: px-b"),
            Pod(10, 3, "Scheduled", 2, pod: "px-a"),
            Pod(11, 3, "Pulling", 3, until: 11, pod: "px-a"),
            Pod(12, 3, "Pulled", 11, pod: "px-a"),
            Pod(13, 3, "Created", 12, pod: "px-a"),
            Pod(14, 3, "Started", 12, pod: "px-a"),
            Pod(20, 4, "Scheduled", 1, pod: "px-b"),
            Pod(21, 4, "Pulling", 2, until: 9, pod: "px-b"),
            Pod(22, 4, "Pulled", 9, pod: "px-b"),
            Pod(23, 4, "Started", 9, pod: "px-b"));

        // px-a: scheduling 1 s, image pull 8 s; px-b's pull (7 s, 2-9) ran beside it and is off the path.
        Assert.Equal("rollout default/px 12.0s — critical path: image pull 8.0s (67%)", Verdict.Describe(trace));
    }

    [Fact]
    public void Time_no_phase_explains_is_said_when_it_is_more_than_the_named_phase()
    {
        // The pod ran for half a minute and was stopped: no event says anything took that time.
        var trace = Group(BarePod(34, "testpod"),
            Pod(10, 1, "Scheduled", 1, pod: "testpod"),
            Pod(11, 1, "Pulled", 1, pod: "testpod"),
            Pod(12, 1, "Created", 1, pod: "testpod"),
            Pod(13, 1, "Started", 1, pod: "testpod"),
            Pod(14, 1, "Killing", 34, message: "Stopping container app", pod: "testpod"));

        Assert.Equal("pod default/testpod 34.0s — critical path: scheduling 1.0s (3%); 33.0s (97%) outside any phase", Verdict.Describe(trace));
    }

    [Fact]
    public void A_create_that_replaces_a_pod_long_after_the_scaling_is_no_controller_time()
    {
        var trace = Group(Deployment(142),
            Action(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, "Scaled up replica set px-5d to 1"),
            Action(3, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 0, "Created pod: px-a"),
            Pod(10, 3, "Scheduled", 0.5, pod: "px-a"),
            Pod(11, 3, "Created", 1, pod: "px-a"),
            Pod(12, 3, "Started", 2, pod: "px-a"),
            Action(4, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 140, "Created pod: px-b"),
            Pod(20, 4, "Scheduled", 140.5, pod: "px-b"),
            Pod(21, 4, "Created", 141, pod: "px-b"),
            Pod(22, 4, "Started", 142, pod: "px-b"));

        Assert.Equal("rollout default/px 2m22s — critical path: container start 2.0s (1%); 2m19s (98%) outside any phase", Verdict.Describe(trace));
    }

    [Fact]
    public void A_scaling_that_covers_earlier_repeats_counts_from_its_last_one()
    {
        // "Scaled up replica set px-5d to 1" seen with count 7: its span covers an hour and a half of earlier edits.
        var trace = Group(Deployment(5400.5),
            Action(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, "Scaled up replica set px-5d to 1", until: 5400),
            Action(3, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 5400, "Created pod: " + Pod1),
            Pod(10, 3, "Scheduled", 5400.5));

        var verdict = Verdict.Describe(trace);

        Assert.StartsWith("rollout default/px 1h30m — critical path: scheduling 500ms (0%); ", verdict);
        Assert.DoesNotContain("controller", verdict);
    }

    [Fact]
    public void A_trace_whose_phases_took_no_time_says_so()
    {
        var trace = Group((SpanRecord[])[Deployment(5), .. ScaledUp(),
            Pod(10, 3, "Scheduled", 0),
            Pod(11, 3, "Killing", 5, message: "Stopping container app")]);

        Assert.Equal("rollout default/px 5.0s — no phase took time: 4 events", Verdict.Describe(trace));
    }

    [Theory]
    [InlineData("Failed", "Failed to pull image \"noimage.com/x\": rpc error: code = Unknown", true)]
    [InlineData("Failed", "Error: ErrImagePull", true)]
    [InlineData("Failed", "Error: ImagePullBackOff", true)]
    [InlineData("BackOff", "Back-off pulling image \"noimage.com/x\"", true)]
    [InlineData("ErrImageNeverPull", "Container image \"x\" is not present with pull policy of Never", true)]
    [InlineData("InspectFailed", "Failed to apply default image tag \"x\": couldn't parse image reference", true)]
    [InlineData("BackOff", "Back-off restarting failed container app in pod no-image-deployment-1", false)]
    [InlineData("Failed", "Error: failed to start container \"nginx\": Error response from daemon", false)]
    [InlineData("Pulling", "Pulling image \"x\"", false)]
    public void Image_failures_are_told_from_other_failures_by_reason_and_message(string reason, string message, bool image)
    {
        Assert.Equal(image, TracePhases.IsImageFailure(reason, message));
    }
}
