using KSpanActors.Export.Waterfall;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Waterfall;

public class VerdictTests
{
    [Fact]
    public void Rollout_verdict_names_the_image_pull_as_the_critical_step_and_the_first_error()
    {
        var verdict = Verdict.Describe(Group(Rollout()));

        Assert.Equal(
            "rollout default/px 9.1s — critical path: image pull 5.9s (65%) — 1 error: Pod.BackOff Back-off restarting failed container app in pod px-7d4b9c-x…",
            verdict);
    }

    [Fact]
    public void Rollout_verdict_without_warnings_has_no_error_part()
    {
        Assert.Equal("rollout default/px 9.1s — critical path: image pull 5.9s (65%)", Verdict.Describe(Group(Rollout(withBackOff: false))));
    }

    [Fact]
    public void A_trace_of_no_length_says_no_time_was_measured()
    {
        var trace = Group(
            Span(1, 0, "Pod.Create", "kubectl", 3, 3, null, false, ("k8s.pod.name", "debug")),
            Span(2, 1, "Pod.Scheduled", "default-scheduler", 3, 3));

        Assert.Equal("pod debug 0s — no time measured", Verdict.Describe(trace));
    }

    [Fact]
    public void Errors_are_counted_and_the_earliest_is_named_with_a_shortened_message()
    {
        var longMessage = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
        var trace = Group(
            Span(1, 0, "StatefulSet.Update", "helm", 0, 65, null, false, ("k8s.statefulset.name", "db")),
            Event(Span(2, 1, "StatefulSet.SuccessfulCreate", "statefulset-controller", 0, 0)),
            PodEvent(Span(4, 2, "Pod.BackOff", "kubelet", 30, 65, "Back-off restarting failed container db in pod db-0", error: true), pod: "db-0"),
            PodEvent(Span(3, 2, "Pod.FailedScheduling", "default-scheduler", 1, 29, longMessage, error: true), container: null, pod: "db-0"),
            PodEvent(Span(5, 2, "Pod.Scheduled", "default-scheduler", 29, 29), container: null, pod: "db-0"));

        var verdict = Verdict.Describe(trace);

        Assert.StartsWith("rollout db 1m05s — critical path: crash looping 35.0s (54%) — 2 errors: Pod.FailedScheduling 0/3 nodes", verdict);
        Assert.EndsWith("…", verdict);
    }

    [Theory]
    [InlineData("Deployment.Update", "rollout")]
    [InlineData("StatefulSet.Apply", "rollout")]
    [InlineData("DaemonSet.Update", "rollout")]
    [InlineData("Job.Create", "job")]
    [InlineData("CronJob.Update", "job")]
    [InlineData("Pod.Create", "pod")]
    [InlineData("ReplicaSet.Update", "replicaset")]
    [InlineData("HelmRelease.Sync", "helmrelease")]
    [InlineData("Node", "node")]
    public void The_kind_of_change_comes_from_the_root_name(string rootName, string what)
    {
        Assert.Equal(what, Verdict.What(rootName));
    }

    [Fact]
    public void The_subject_leaves_out_an_empty_namespace_and_falls_back_to_the_root_name()
    {
        Assert.Equal("kind-worker", Verdict.Subject(Span(1, 0, "Node.Update", "kubelet", 0, 1, null, false, ("k8s.namespace.name", ""), ("k8s.node.name", "kind-worker"))));
        Assert.Equal("Widget.Update", Verdict.Subject(Span(1, 0, "Widget.Update", "kubectl", 0, 1, null, false, ("k8s.namespace.name", "default"))));
    }

    [Fact]
    public void A_group_of_late_spans_is_described_without_a_critical_path()
    {
        var verdict = Verdict.Describe(Group(Span(0x90, 0x30, "Pod.Killing", "kubelet", 20, 20, "Stopping container app")));

        Assert.Equal("1 late span for trace 4bf92f35…", verdict);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(400_000L, "<1ms")]
    [InlineData(350_000_000L, "350ms")]
    [InlineData(999_600_000L, "1.0s")]
    [InlineData(9_100_000_000L, "9.1s")]
    [InlineData(59_960_000_000L, "1m00s")]
    [InlineData(65_000_000_000L, "1m05s")]
    [InlineData(3_720_000_000_000L, "1h02m")]
    [InlineData(273_600_000_000_000L, "3d04h")]
    [InlineData(-1_200_000_000L, "-1.2s")]
    public void Durations_read_in_human_units(long ns, string text)
    {
        Assert.Equal(text, DurationText.Format(ns));
    }
}
