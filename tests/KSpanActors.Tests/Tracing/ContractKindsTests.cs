using KSpanActors.Model;
using KSpanActors.Tests.Support;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Tracing;

/// <summary>
/// Kinds the contract first left out (issue 11 §3): a CronJob's runs, aggregated controller messages, and controller
/// events whose message says nothing one can hang a span under.
/// </summary>
public sealed class ContractKindsTests
{
    private static readonly ObjectRef CronJob = new("CronJob", "default", "export");

    /// <summary>Event uid → its parent's event uid (a run's root is its create's span), "ROOT" under a change's own root.</summary>
    private static Dictionary<string, string> Parents(IEnumerable<SpanRecord> spans)
    {
        var all = spans.ToDictionary(s => (s.TraceId, s.SpanId));
        var result = new Dictionary<string, string>();
        foreach (var s in all.Values)
        {
            if (s.IsRoot || s.Attribute("k8s.event.uid") is not { } uid) continue;
            var p = all.GetValueOrDefault((s.TraceId, s.ParentSpanId));
            result[uid] = p is null ? "MISSING" : p.Attribute("k8s.event.uid") ?? (p.IsRoot ? "ROOT" : "OBJECT");
        }
        return result;
    }

    private static TraceFamily Family(IEnumerable<IFact> facts, string topUid, ObjectRef top)
    {
        var family = new TraceFamily(Cluster, topUid, top);
        foreach (var f in facts) family.Add(f);
        return family;
    }

    /// <summary>
    /// After ten similar events the recorder aggregates: one event whose count grows, its message naming the latest job
    /// only. A watch sees counts 11 and 12, each naming its own job.
    /// </summary>
    private static List<IFact> AggregatedRuns() =>
    [
        Obj("cj", "CronJob", "export", "09:00:00", manager: "kubectl-client-side-apply"),
        Ev("agg", "CronJob", "export", "cj", "SuccessfulCreate", "(combined from similar events): Created job export-11", "10:11:00", "cronjob-controller", count: 11, first: "10:01:00"),
        Ev("agg", "CronJob", "export", "cj", "SuccessfulCreate", "(combined from similar events): Created job export-12", "10:12:00", "cronjob-controller", count: 12, first: "10:01:00"),
        Ev("j11", "Job", "export-11", "job-11", "SuccessfulCreate", "Created pod: export-11-abcde", "10:11:00", "job-controller"),
        Ev("j12", "Job", "export-12", "job-12", "SuccessfulCreate", "Created pod: export-12-fghij", "10:12:00", "job-controller"),
        Ev("p12", "Pod", "export-12-fghij", "pod-12", "Started", "Started container export", "10:12:02", "kubelet"),
        Ev("c12", "Job", "export-12", "job-12", "Completed", "Job completed", "10:12:05", "job-controller"),
        Ev("s12", "CronJob", "export", "cj", "SawCompletedJob", "Saw completed job: export-12, status: Complete", "10:12:05", "cronjob-controller"),
    ];

    [Fact]
    public void Each_occurrence_of_an_aggregated_create_is_a_run_of_its_own_rooted_at_it_and_covering_no_other_run()
    {
        var traces = TraceAssembler.Assemble(Family(AggregatedRuns(), "cj", CronJob));

        Assert.Equal(2, traces.Count);
        var roots = traces.Select(t => Assert.Single(t.Spans, s => s.IsRoot)).OrderBy(s => s.StartNs).ToList();
        Assert.All(roots, r => Assert.Equal("CronJob.SuccessfulCreate", r.Name));
        Assert.Equal(["11", "12"], roots.Select(r => r.Attribute("k8s.event.count")!));
        // Count 11 names export-11 only: its span starts when it happened, not when the first of the ten others did.
        Assert.Equal(T("10:11:00"), roots[0].StartNs);
        Assert.Equal((T("10:12:00"), T("10:12:05")), (roots[1].StartNs, roots[1].EndNs));
        Assert.Equal(StableHash.Event(Cluster, "agg", 12), roots[1].SpanId);

        var parents = Parents(traces.SelectMany(t => t.Spans));
        Assert.Equal("agg", parents["j11"]);
        Assert.Equal("agg", parents["j12"]);
        Assert.Equal("j12", parents["p12"]);
        Assert.Equal("agg", parents["c12"]);
        Assert.Equal("agg", parents["s12"]);
        var run12 = traces.Single(t => t.Spans.Any(s => s.SpanId == roots[1].SpanId));
        Assert.Equal(["agg", "c12", "j12", "p12", "s12"], run12.Spans.Select(s => s.Attribute("k8s.event.uid")!).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Runs_are_the_same_traces_in_any_order(int seed)
    {
        var facts = AggregatedRuns();
        var ordered = TraceAssembler.Assemble(Family(facts, "cj", CronJob)).SelectMany(t => t.Spans).ToList();
        var shuffled = facts.ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));

        var again = TraceAssembler.Assemble(Family(shuffled, "cj", CronJob)).SelectMany(t => t.Spans).ToList();

        Assert.Equal(ordered.Select(Key).Order(), again.Select(Key).Order());

        static string Key(SpanRecord s) => $"{s.TraceId} {s.SpanId} {s.ParentSpanId} {s.StartNs} {s.EndNs}";
    }

    [Fact]
    public void A_late_event_of_an_exported_run_goes_under_that_run_in_the_same_trace()
    {
        var facts = AggregatedRuns();
        var family = Family(facts, "cj", CronJob);
        var first = TraceAssembler.Assemble(family).SelectMany(t => t.Spans).ToList();
        var exported = first.Select(s => s.SpanId.Value).ToHashSet();
        family.ForgetExcept(e => EventMessages.IsControllerAction(e.Reason)); // what ObjectState keeps after an export

        family.Add(Ev("late", "Pod", "export-12-fghij", "pod-12", "Killing", "Stopping container export", "10:14:00", "kubelet"));
        var late = Assert.Single(TraceAssembler.Assemble(family, null, exported).SelectMany(t => t.Spans));

        var create = first.Single(s => s.Attribute("k8s.event.uid") == "j12");
        Assert.Equal((create.TraceId, create.SpanId), (late.TraceId, late.ParentSpanId));
    }

    [Fact]
    public void Deleting_an_old_runs_job_belongs_to_the_run_in_progress_and_events_before_the_first_run_stay_with_the_change()
    {
        var facts = new List<IFact>
        {
            Obj("cj", "CronJob", "export", "09:00:00", manager: "kubectl-client-side-apply"),
            Ev("miss", "CronJob", "export", "cj", "MissSchedule", "Missed scheduled time to start a job: 2024-03-01T09:59:00Z", "09:59:30", "cronjob-controller", warning: true),
            Ev("r1", "CronJob", "export", "cj", "SuccessfulCreate", "Created job export-1", "10:00:00", "cronjob-controller"),
            Ev("r2", "CronJob", "export", "cj", "SuccessfulCreate", "Created job export-2", "10:01:00", "cronjob-controller"),
            Ev("del", "CronJob", "export", "cj", "SuccessfulDelete", "Deleted job export-1", "10:01:06", "cronjob-controller"),
        };
        var traces = TraceAssembler.Assemble(Family(facts, "cj", CronJob));
        var parents = Parents(traces.SelectMany(t => t.Spans));

        Assert.Equal("r2", parents["del"]);
        var change = traces.Single(t => t.Spans.Any(s => s.Attribute("k8s.event.uid") == "miss"));
        Assert.Equal("CronJob.Update", Assert.Single(change.Spans, s => s.IsRoot).Name);
        Assert.Equal(3, traces.Count);
    }

    [Fact]
    public void A_run_the_cronjob_failed_to_start_is_a_trace_of_its_own_not_part_of_the_run_before()
    {
        var facts = new List<IFact>
        {
            Obj("cj", "CronJob", "export", "09:00:00", manager: "kubectl-client-side-apply"),
            Ev("r1", "CronJob", "export", "cj", "SuccessfulCreate", "Created job export-1", "10:00:00", "cronjob-controller"),
            Ev("f2", "CronJob", "export", "cj", "FailedCreate", "Error creating job: jobs.batch \"export-2\" is forbidden: exceeded quota: batch-quota", "10:01:00", "cronjob-controller", warning: true),
            Ev("f3", "CronJob", "export", "cj", "FailedCreate", "Error creating job: jobs.batch \"export-3\" is forbidden: exceeded quota: batch-quota", "10:02:00", "cronjob-controller", warning: true),
        };
        var traces = TraceAssembler.Assemble(Family(facts, "cj", CronJob));

        Assert.Equal(3, traces.Count);
        var roots = traces.Select(t => Assert.Single(t.Spans)).OrderBy(s => s.StartNs).ToList();
        Assert.All(roots, r => Assert.True(r.IsRoot));
        Assert.Equal(["r1", "f2", "f3"], roots.Select(r => r.Attribute("k8s.event.uid")!));
        Assert.Equal([SpanStatus.Unset, SpanStatus.Error, SpanStatus.Error], roots.Select(r => r.Status));
    }

    /// <summary>A copy of a real scaling event (same uid and count) whose message is a megabyte of junk.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_junk_copy_of_a_scaling_event_never_replaces_it_and_junk_is_no_parent(bool junkFirst)
    {
        var junk = new string('x', 1 << 20);
        var real = Ev("scale", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-1 from 0 to 2", "10:00:00", "deployment-controller");
        var copy = real with { Message = junk };
        var facts = new List<IFact>
        {
            Obj("dep", "Deployment", "web", "09:59:00", manager: "kubectl"),
            Obj("rs", "ReplicaSet", "web-1", "10:00:00", Owner("Deployment", "web", "dep")),
            junkFirst ? copy : real,
            junkFirst ? real : copy,
            // Another event that starts like a scaling but says no size: not a scaling either.
            Ev("half", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-1 " + junk, "10:00:30", "deployment-controller"),
            Ev("c1", "ReplicaSet", "web-1", "rs", "SuccessfulCreate", "Created pod: web-1-a", "10:00:00", "replicaset-controller"),
            Ev("c2", "ReplicaSet", "web-1", "rs", "SuccessfulCreate", "Created pod: web-1-b", "10:01:00", "replicaset-controller"),
        };
        var spans = TraceAssembler.Assemble(Family(facts, "dep", new ObjectRef("Deployment", "default", "web"))).SelectMany(t => t.Spans).ToList();
        var parents = Parents(spans);

        Assert.Equal("scale", parents["c1"]);
        Assert.Equal("scale", parents["c2"]);
        Assert.Equal("ROOT", parents["half"]);
        Assert.Equal(real.Message, Assert.Single(spans, s => s.Attribute("k8s.event.uid") == "scale").Attribute("k8s.event.message"));
    }

    [Fact]
    public void A_failed_create_hangs_under_the_scaling_that_asked_for_the_pod()
    {
        var facts = new List<IFact>
        {
            Obj("dep", "Deployment", "web", "09:59:00", manager: "kubectl"),
            Obj("rs", "ReplicaSet", "web-1", "10:00:00", Owner("Deployment", "web", "dep")),
            Ev("scale", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-1 to 2", "10:00:00", "deployment-controller"),
            Ev("fail", "ReplicaSet", "web-1", "rs", "FailedCreate", "Error creating: pods \"web-1-b\" is forbidden: exceeded quota: q", "10:00:01", "replicaset-controller", warning: true),
            Ev("down", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled down replica set web-1 to 1", "10:00:02", "deployment-controller"),
        };
        var parents = Parents(TraceAssembler.Assemble(Family(facts, "dep", new ObjectRef("Deployment", "default", "web"))).SelectMany(t => t.Spans));

        Assert.Equal("scale", parents["fail"]);
    }
}
