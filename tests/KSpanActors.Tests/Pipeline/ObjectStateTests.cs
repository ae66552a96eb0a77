using System.Collections.Immutable;
using System.Diagnostics;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// <see cref="ObjectState"/> without an actor or a cluster: one input at a time, the clock passed in, every decision
/// read from the effects it asks for.
/// </summary>
public sealed class ObjectStateTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    private static readonly long Start = Stopwatch.GetTimestamp();

    private static long At(TimeSpan after) => Start + (long)(after.TotalSeconds * Stopwatch.Frequency);

    private static ObjectRef RsRef => new("ReplicaSet", "default", "web-new");

    /// <summary>Records what the state asks for.</summary>
    private sealed class Effects : IObjectEffects
    {
        public List<IObjectMessage> Objects { get; } = [];

        public List<INameMessage> Names { get; } = [];

        public List<TraceSpans> Exported { get; } = [];

        public List<TimeSpan> Settles { get; } = [];

        public List<TimeSpan> Idles { get; } = [];

        public int Passivations { get; private set; }

        public List<string> Warnings { get; } = [];

        public void ToObjects(IObjectMessage message) => Objects.Add(message);

        public void ToNames(INameMessage message) => Names.Add(message);

        public void Export(List<TraceSpans> traces) => Exported.AddRange(traces);

        public void SettleIn(TimeSpan delay) => Settles.Add(delay);

        public void IdleIn(TimeSpan delay) => Idles.Add(delay);

        public void Passivate() => Passivations++;

        public void Warning(string text) => Warnings.Add(text);

        public void Debug(string text)
        {
        }
    }

    private static (ObjectState State, Effects Effects, PipelineServices Context) New(string uid, TimeSpan? passivateAfter = null, PipelineServices? shared = null)
    {
        var ctx = shared ?? new PipelineServices(new PipelineSettings { SettleAfter = Settle, PassivateAfter = passivateAfter }, new PipelineMetrics(), new PipelineTracker());
        var effects = new Effects();
        var state = new ObjectState(Cluster, uid, ctx, effects);
        state.Start(Start);
        return (state, effects, ctx);
    }

    private static readonly ImmutableArray<string> Own = [];

    /// <summary>The rollout's facts to its Deployment "dep": its own snapshot first, then the rest along their paths.</summary>
    private static void AcceptRollout(ObjectState dep, List<IFact> facts)
    {
        dep.Accept(facts[0], Own, null, Start);
        foreach (var f in facts.Skip(1)) dep.Accept(f, PathToDeployment(f), null, Start);
    }

    /// <summary>The path a fact of the rollout takes up to its Deployment "dep" (empty for the Deployment's own).</summary>
    private static ImmutableArray<string> PathToDeployment(IFact fact) => fact switch
    {
        ObjectObserved o => o.Uid == "dep" ? Own : [o.Uid],
        EventObserved e => e.ObjectUid == "dep" ? Own : [e.ObjectUid ?? "~"],
        _ => Own,
    };

    [Fact]
    public void A_pod_whose_snapshot_names_its_owner_relays_its_events_to_that_owner()
    {
        var (pod, fx, _) = New("p-new-a");
        pod.Accept(Obj("p-new-a", "Pod", "web-new-a", "10:00:00", Owner("ReplicaSet", "web-new", "rs-new")), Own, null, Start);
        var scheduled = Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler");
        pod.Accept(scheduled, Own, null, Start);

        Assert.Equal(ObjectRole.Relaying, pod.Role);
        var relayed = Assert.Single(fx.Objects.OfType<Propagate>(), p => ReferenceEquals(p.Fact, scheduled));
        Assert.Equal("rs-new", relayed.TargetUid);
        Assert.Equal(["p-new-a"], relayed.Path.ToArray());
        Assert.Empty(fx.Names.OfType<WhoOwns>()); // its snapshot said who owns it
    }

    [Fact]
    public void A_pod_whose_owners_were_all_seen_here_hands_its_facts_straight_to_the_top_with_the_path_of_the_relays()
    {
        var ctx = new PipelineServices(new PipelineSettings { SettleAfter = Settle }, new PipelineMetrics(), new PipelineTracker());
        ctx.Objects.Remember(Obj("rs-new", "ReplicaSet", "web-new", "10:00:00", Owner("Deployment", "web", "dep")));
        ctx.Objects.Remember(Obj("dep", "Deployment", "web", "10:00:00"));
        var (pod, fx, _) = New("p-new-a", shared: ctx);
        pod.Accept(Obj("p-new-a", "Pod", "web-new-a", "10:00:00", Owner("ReplicaSet", "web-new", "rs-new")), Own, null, Start);

        Assert.Equal(ObjectRole.Relaying, pod.Role);
        var relayed = Assert.Single(fx.Objects.OfType<Propagate>());
        Assert.Equal("dep", relayed.TargetUid);
        Assert.Equal(["p-new-a", "rs-new"], relayed.Path.ToArray());
    }

    [Fact]
    public void An_object_known_only_from_its_events_waits_asks_the_name_index_once_and_hands_its_facts_on_when_answered()
    {
        var (pod, fx, _) = New("p-old-y");
        var killing = Ev("e10", "Pod", "web-old-y", "p-old-y", "Killing", "Stopping container app", "10:00:07", "kubelet");
        var again = Ev("e10b", "Pod", "web-old-y", "p-old-y", "Unhealthy", "Readiness probe failed", "10:00:08", "kubelet");
        pod.Accept(killing, Own, null, Start);
        pod.Accept(again, Own, null, Start);

        Assert.Equal(ObjectRole.Undecided, pod.Role);
        Assert.Equal(2, pod.PendingCount);
        var asked = Assert.Single(fx.Names.OfType<WhoOwns>());
        Assert.Equal(new ObjectRef("Pod", "default", "web-old-y"), asked.Name);
        Assert.Empty(fx.Objects);

        pod.OnOwnerClaimed("rs-old", new ObjectRef("ReplicaSet", "default", "web-old"));

        Assert.Equal(ObjectRole.Relaying, pod.Role);
        Assert.Equal(0, pod.PendingCount);
        Assert.Equal([killing, again], fx.Objects.OfType<Propagate>().Where(p => p.TargetUid == "rs-old").Select(p => p.Fact));
    }

    /// <summary>A ReplicaSet's actor, recreated on a survivor while a replica is unreachable, holding a pod's Event it was sent.</summary>
    private static (ObjectState State, Effects Effects, PipelineServices Context, EventObserved Held) ReplicaSetWaitingWhileAReplicaIsLost()
    {
        var (rs, fx, ctx) = New("rs-new");
        ctx.Fleet.Unreachable(1);
        var scheduled = Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler");
        rs.Accept(scheduled, ["p-new-a"], RsRef, Start);
        return (rs, fx, ctx, scheduled);
    }

    [Fact]
    public void While_a_replica_is_lost_an_object_waiting_for_its_owner_asks_every_settle_period_and_decides_only_an_orphan_period_after_its_last_question()
    {
        // Its questions went to name buckets on the crashed replica. The relist rebuilds them, so the last question,
        // not the first, is the one answered.
        var (rs, fx, ctx, _) = ReplicaSetWaitingWhileAReplicaIsLost();
        Assert.Single(fx.Names.OfType<WhoOwns>());

        for (var s = 1; s <= 6; s++)
        {
            rs.OnSettleTick(At(Settle * s));
            Assert.Equal(1 + s, fx.Names.OfType<WhoOwns>().Count());
            Assert.True(fx.Settles[^1] <= Settle, $"tick {s}: next look in {fx.Settles[^1]}, more than a settle period while the fleet holds");
        }

        ctx.Fleet.Unreachable(0); // the fleet holds no longer; the last question went out at 6 s
        rs.OnSettleTick(At(Settle * 6.5)); // quiet for 6.5 settle periods, the last question half a period ago
        Assert.Equal(ObjectRole.Undecided, rs.Role);
        Assert.Equal(Settle * 3.5, fx.Settles[^1]); // the orphan period (4 settle periods) after that question
        Assert.Empty(fx.Exported);

        rs.OnSettleTick(At(Settle * 10));
        Assert.Equal(ObjectRole.TopLevel, rs.Role); // nobody answered: an orphan after all, nothing lost
        Assert.Contains(fx.Exported.SelectMany(t => t.Spans), s => s.Name == "Pod.Scheduled");
    }

    [Fact]
    public void An_answer_to_the_question_asked_again_after_a_replica_was_lost_makes_the_waiting_object_a_relay()
    {
        var (rs, fx, ctx, scheduled) = ReplicaSetWaitingWhileAReplicaIsLost();
        rs.OnSettleTick(At(Settle * 5)); // asks again
        ctx.Fleet.Unreachable(0);
        rs.OnSettleTick(At(Settle * 6)); // quiet long enough, but the question is a settle period old

        rs.OnOwnerClaimed("dep", new ObjectRef("Deployment", "default", "web"));

        Assert.Equal(ObjectRole.Relaying, rs.Role);
        var relayed = Assert.Single(fx.Objects.OfType<Propagate>());
        Assert.Equal(("dep", scheduled), (relayed.TargetUid, relayed.Fact));
        Assert.Equal(["p-new-a", "rs-new"], relayed.Path.ToArray());
        Assert.Empty(fx.Exported);
    }

    [Fact]
    public void A_waiting_object_whose_snapshot_went_past_it_finds_the_snapshot_here_at_its_next_settle_tick()
    {
        var (pod, fx, ctx) = New("p-new-a");
        var scheduled = Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler");
        pod.Accept(scheduled, Own, null, Start);
        Assert.Equal(ObjectRole.Undecided, pod.Role);

        // A source remembered the pod's snapshot and sent it straight to the top, not to this actor.
        ctx.Objects.Remember(Obj("p-new-a", "Pod", "web-new-a", "10:00:00", Owner("ReplicaSet", "web-new", "rs-new")));
        pod.OnSettleTick(At(Settle));

        Assert.Equal(ObjectRole.Relaying, pod.Role);
        Assert.Equal(0, pod.PendingCount);
        Assert.Equal("rs-new", Assert.Single(fx.Objects.OfType<Propagate>(), p => ReferenceEquals(p.Fact, scheduled)).TargetUid);
        Assert.Equal(0, ctx.Metrics.Orphans);
    }

    [Fact]
    public void A_top_level_object_holds_its_family_until_it_settles_then_exports_it_once()
    {
        var (dep, fx, _) = New("dep");
        var (facts, _) = Support.Scenarios.Rollout();
        dep.Accept(facts[0], Own, null, Start); // the Deployment: no owner
        Assert.Equal(ObjectRole.TopLevel, dep.Role);
        Assert.Contains(fx.Names, m => m is NameObserved n && n.Uid == "dep");

        foreach (var f in facts.Skip(1)) dep.Accept(f, PathToDeployment(f), null, Start);
        Assert.True(dep.HasUnexported);

        dep.OnSettleTick(At(Settle / 2)); // not quiet yet: looks again for the rest of the period
        Assert.Empty(fx.Exported);
        Assert.Equal(Settle / 2, fx.Settles[^1]);

        dep.OnSettleTick(At(Settle));
        Assert.NotEmpty(fx.Exported);
        Assert.False(dep.HasUnexported);
        var exported = fx.Exported.Sum(t => t.Spans.Length);

        dep.OnSettleTick(At(Settle * 3)); // nothing new: nothing again
        Assert.Equal(exported, fx.Exported.Sum(t => t.Spans.Length));
    }

    [Fact]
    public void A_busy_top_level_object_looks_again_when_its_family_falls_due_and_exports_then()
    {
        var (dep, fx, _) = New("dep");
        var (facts, _) = Support.Scenarios.Rollout();
        dep.Accept(facts[0], Own, null, Start); // the Deployment itself
        foreach (var f in facts.Skip(1).Take(5)) dep.Accept(f, PathToDeployment(f), null, Start); // the objects below it
        dep.OnSettleTick(At(Settle)); // the snapshots alone make no span: nothing to export
        Assert.Empty(fx.Exported);
        var events = facts.Skip(6).ToList();
        dep.Accept(events[0], PathToDeployment(events[0]), null, At(Settle * 1.8)); // unexported since 1.8: due at 3.8, busy or not
        dep.OnSettleTick(At(Settle * 2)); // busy: not quiet, not due
        dep.Accept(events[1], PathToDeployment(events[1]), null, At(Settle * 2.7));
        dep.Accept(events[2], PathToDeployment(events[2]), null, At(Settle * 3.6));
        dep.OnSettleTick(At(Settle * 3.65));

        // Quiet only a settle period after its last fact (at 4.6), but due at 3.8: it looks again then, not later.
        Assert.Empty(fx.Exported);
        Assert.InRange(fx.Settles[^1], Settle * 0.15, Settle * 0.15 + TimeSpan.FromMilliseconds(2));
        dep.OnSettleTick(At(Settle * 3.65 + fx.Settles[^1])); // the tick it armed
        Assert.NotEmpty(fx.Exported);
        Assert.False(dep.HasUnexported);
    }

    [Fact]
    public void An_orphan_is_given_four_settle_periods_before_it_becomes_top_level_and_exports_its_events()
    {
        var (pod, fx, ctx) = New("gone");
        pod.Accept(Ev("k1", "Pod", "gone-pod", "gone", "Killing", "Stopping container app", "10:00:07", "kubelet"), Own, null, Start);

        pod.OnSettleTick(At(Settle * 2));
        Assert.Equal(ObjectRole.Undecided, pod.Role);
        Assert.Empty(fx.Exported);

        pod.OnSettleTick(At(Settle * 4));
        Assert.Equal(ObjectRole.TopLevel, pod.Role);
        Assert.Contains(fx.Exported.SelectMany(t => t.Spans), s => s.Name == "Pod.Killing");
        Assert.Equal(1, ctx.Metrics.Orphans);
    }

    [Fact]
    public void Around_an_owner_cycle_the_member_with_the_smallest_uid_becomes_top_level()
    {
        var (b, fx, _) = New("b");
        var fact = Ev("x", "ConfigMap", "c", "a", "Updated", "updated", "10:00:00", "someone");
        b.Accept(fact, ["b", "c", "a"], null, Start); // came back to b around b -> c -> a -> b
        var redirected = Assert.Single(fx.Objects.OfType<Propagate>());
        Assert.Equal("a", redirected.TargetUid); // the smallest uid of the cycle holds it
        Assert.Equal(ObjectRole.Undecided, b.Role);

        var (a, fxA, _) = New("a");
        a.Accept(fact, redirected.Path, null, Start);
        Assert.Equal(ObjectRole.TopLevel, a.Role);
        Assert.Contains(fxA.Warnings, w => w.Contains("Owner cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void A_top_level_object_exports_before_its_hand_off_and_its_successor_holds_the_rest_without_exporting_it_again()
    {
        var (dep, fxDep, ctx) = New("dep");
        var (facts, _) = Support.Scenarios.Rollout();
        foreach (var f in facts) dep.Accept(f, PathToDeployment(f), null, Start);

        // The settle period is far off: the family is still held when the shard moves.
        var handOff = dep.HandOff(successorExists: true, Start);
        Assert.NotNull(handOff);
        Assert.True(handOff.WasTop);
        var exported = fxDep.Exported.SelectMany(t => t.Spans).Select(s => s.SpanId).ToList();
        Assert.NotEmpty(exported); // if the successor's replica is leaving too, nothing is lost
        var held = dep.HeldOccurrences; // the controller actions later events may hang under
        Assert.True(held > 0);

        var (successor, fx, _) = New("dep", shared: new PipelineServices(ctx.Settings, new PipelineMetrics(), new PipelineTracker()));
        successor.Restore(handOff, Start);
        Assert.Equal(ObjectRole.TopLevel, successor.Role);
        Assert.Equal(held, successor.HeldOccurrences);

        successor.Emit();
        Assert.Empty(fx.Exported.SelectMany(t => t.Spans).Select(s => s.SpanId).Intersect(exported));
    }

    [Fact]
    public void Facts_waiting_for_an_owner_move_with_the_hand_off_and_the_successor_asks_again()
    {
        var (pod, _, ctx) = New("p-old-y");
        pod.Accept(Ev("e10", "Pod", "web-old-y", "p-old-y", "Killing", "Stopping container app", "10:00:07", "kubelet"), Own, null, Start);
        pod.Accept(Ev("e10b", "Pod", "web-old-y", "p-old-y", "Unhealthy", "Readiness probe failed", "10:00:08", "kubelet"), Own, null, Start);

        var handOff = pod.HandOff(successorExists: true, Start)!;
        var (successor, fx, _) = New("p-old-y", shared: new PipelineServices(ctx.Settings, new PipelineMetrics(), new PipelineTracker()));
        successor.Restore(handOff, Start);

        Assert.Equal(ObjectRole.Undecided, successor.Role);
        Assert.Equal(2, successor.PendingCount);
        Assert.Single(fx.Names.OfType<WhoOwns>());
    }

    [Fact]
    public void The_last_replica_to_leave_exports_what_it_holds_and_hands_nothing_on()
    {
        var (pod, fx, _) = New("gone");
        pod.Accept(Ev("k1", "Pod", "gone-pod", "gone", "Killing", "Stopping container app", "10:00:07", "kubelet"), Own, null, Start);

        Assert.Null(pod.HandOff(successorExists: false, Start));
        Assert.Equal(ObjectRole.TopLevel, pod.Role);
        Assert.Contains(fx.Exported.SelectMany(t => t.Spans), s => s.Name == "Pod.Killing");
    }

    [Fact]
    public void An_idle_object_passivates_unless_facts_still_wait_for_its_owner()
    {
        var idle = TimeSpan.FromMinutes(1);
        var (quiet, fx, _) = New("p1", passivateAfter: idle);
        // The first look comes after a child's shorter period (two settle periods); not a child, it looks again after
        // the rest of the idle period.
        Assert.Equal(Settle * 2, Assert.Single(fx.Idles));
        quiet.OnIdleTick(At(Settle * 2));
        Assert.Equal([Settle * 2, idle - Settle * 2], fx.Idles);
        quiet.OnIdleTick(At(idle / 2));
        Assert.Equal(0, fx.Passivations);
        quiet.OnIdleTick(At(idle));
        Assert.Equal(1, fx.Passivations);

        var (waiting, fxWaiting, _) = New("p2", passivateAfter: idle);
        waiting.Accept(Ev("k2", "Pod", "p2", "p2", "Killing", "Stopping container app", "10:00:07", "kubelet"), Own, null, Start);
        waiting.OnIdleTick(At(idle * 2));
        Assert.Equal(0, fxWaiting.Passivations);
    }

    [Fact]
    public void A_child_goes_idle_after_two_settle_periods_with_no_tick_for_the_longer_period_left_pending()
    {
        // A pending tick keeps a stopped actor's cell reachable until it is due: a child that stops after its shorter
        // period must not leave one behind for the top-level object's longer period.
        var idle = TimeSpan.FromMinutes(1);
        var (pod, fx, _) = New("p-new-a", passivateAfter: idle);
        pod.Accept(Obj("p-new-a", "Pod", "web-new-a", "10:00:00", Owner("ReplicaSet", "web-new", "rs-new")), Own, null, Start);
        Assert.Equal(ObjectRole.Relaying, pod.Role);
        Assert.Equal([Settle * 2], fx.Idles);
        pod.OnIdleTick(At(Settle * 2));
        Assert.Equal(1, fx.Passivations);
        Assert.Equal([Settle * 2], fx.Idles);
    }

    [Fact]
    public void While_the_exporter_is_behind_a_settled_family_waits_and_goes_out_whole_once_it_caught_up()
    {
        var idle = TimeSpan.FromMinutes(1);
        var (dep, fx, ctx) = New("dep", passivateAfter: idle);
        var (facts, _) = Support.Scenarios.Rollout();
        AcceptRollout(dep, facts);

        ctx.Tracker.ExportBehind = true; // the emitter holds the sources: its buffer would take these spans only to drop them
        dep.OnSettleTick(At(Settle));
        dep.OnSettleTick(At(Settle * 5)); // even once overdue
        dep.OnIdleTick(At(idle)); // nor does it passivate with spans unexported
        Assert.Empty(fx.Exported);
        Assert.Equal(0, fx.Passivations);
        Assert.True(dep.HasUnexported);
        Assert.Equal(Settle, fx.Settles[^1]); // it looks again a settle period later

        ctx.Tracker.ExportBehind = false;
        dep.OnSettleTick(At(idle + Settle));
        Assert.False(dep.HasUnexported);
        // the same spans a family never held back exports
        var (plain, fxPlain, _) = New("dep", passivateAfter: idle);
        AcceptRollout(plain, facts);
        plain.OnSettleTick(At(Settle));
        Assert.Equal(fxPlain.Exported.SelectMany(t => t.Spans).Select(x => x.SpanId.Value).Order(), fx.Exported.SelectMany(t => t.Spans).Select(x => x.SpanId.Value).Order());
    }

    [Fact]
    public void A_fact_that_reaches_a_passivating_top_level_object_is_exported_when_it_stops_not_lost()
    {
        var idle = TimeSpan.FromMinutes(1);
        var (dep, fx, _) = New("dep", passivateAfter: idle);
        var (facts, _) = Support.Scenarios.Rollout();
        dep.Accept(facts[0], Own, null, Start);
        dep.OnIdleTick(At(idle)); // nothing held: it asks to stop
        Assert.Equal(1, fx.Passivations);

        // Already in its mailbox when it asked: accepted, then the stop message comes before any settle tick.
        dep.Accept(facts[6], PathToDeployment(facts[6]), null, At(idle * 1.01));
        Assert.Empty(fx.Exported);
        dep.Release();
        Assert.Contains(fx.Exported.SelectMany(t => t.Spans), s => s.Attribute("k8s.event.uid") == "e1");
    }

    [Fact]
    public void Facts_waiting_for_their_owner_when_the_object_stops_go_back_to_its_region_for_its_next_incarnation()
    {
        var (pod, fx, _) = New("p1", passivateAfter: TimeSpan.FromMinutes(1));
        var killing = Ev("k1", "Pod", "p1", "p1", "Killing", "Stopping container app", "10:00:07", "kubelet");
        pod.Accept(killing, Own, null, Start); // no snapshot: it waits for its owner
        Assert.Equal(1, pod.PendingCount);
        var sentBefore = fx.Objects.Count;

        pod.Release();

        var back = Assert.IsType<FactBatch>(Assert.Single(fx.Objects.Skip(sentBefore)));
        Assert.Equal("p1", back.TargetUid);
        Assert.Same(killing, Assert.Single(back.Facts).Fact);
        Assert.Equal(0, pod.PendingCount);
        Assert.Empty(fx.Exported);
    }

    [Fact]
    public void A_mirror_pod_names_its_node_without_a_namespace_as_the_node_is_cluster_scoped()
    {
        var (pod, _, _) = New("mirror");
        pod.Accept(Obj("mirror", "Pod", "kube-proxy-worker-1", "08:00:10", Owner("Node", "worker-1", "node-uid"), ns: "kube-system"), Own, null, Start);

        Assert.Equal(ObjectRole.Relaying, pod.Role);
        Assert.Equal(("node-uid", new ObjectRef("Node", "", "worker-1")), pod.Owner);
    }

    [Theory]
    [InlineData("team-a", "team-b")]
    [InlineData("team-b", "team-a")]
    public void An_owner_its_dependents_name_in_two_namespaces_is_cluster_scoped_and_exports_one_trace_without_one(string first, string second)
    {
        // A Tenant (a cluster-scoped custom resource this process does not know) owns objects in two namespaces.
        var (tenant, fx, _) = New("tenant");
        var a = Ev("q1", "ResourceQuota", "compute", "rq-a", "QuotaExceeded", "exceeded quota", "10:00:00", "tenant-controller", warning: true, ns: first);
        var b = Ev("q2", "ResourceQuota", "compute", "rq-b", "QuotaExceeded", "exceeded quota", "10:00:01", "tenant-controller", warning: true, ns: second);
        tenant.Accept(a, ["rq-a"], new ObjectRef("Tenant", first, "acme"), Start);
        tenant.Accept(b, ["rq-b"], new ObjectRef("Tenant", second, "acme"), Start);
        tenant.Finalize(Start);
        tenant.Emit();

        Assert.Equal(new ObjectRef("Tenant", "", "acme"), tenant.Identity);
        var trace = Assert.Single(fx.Exported);
        var root = Assert.Single(trace.Spans, s => s.IsRoot);
        Assert.Equal("Tenant.Create", root.Name);
        Assert.Null(root.Attribute("k8s.namespace.name"));
        Assert.Equal(3, trace.Spans.Length);
    }

    [Fact]
    public void A_cronjob_claims_the_job_its_aggregated_create_names_and_counts_a_create_that_names_none()
    {
        var (cronJob, fx, ctx) = New("cj");
        cronJob.Accept(Ev("agg", "CronJob", "export", "cj", "SuccessfulCreate", "(combined from similar events): Created job export-28627211", "10:11:00", "cronjob-controller", count: 11, first: "10:01:00"), Own, null, Start);
        cronJob.Accept(Ev("junk", "CronJob", "export", "cj", "SuccessfulCreate", "Created job " + new string('x', 4096), "10:11:30", "cronjob-controller"), Own, null, Start);

        cronJob.Accept(Ev("pvc", "CronJob", "export", "cj", "SuccessfulCreate", "create Claim data-web-0 Pod web-0 in StatefulSet web success", "10:11:40", "statefulset-controller"), Own, null, Start);

        Assert.Equal(1, ctx.Metrics.UnreadableActions); // the junk one; a volume claim is no child, and no junk either
        var claim = Assert.Single(fx.Names.OfType<ClaimName>());
        Assert.Equal(new ObjectRef("Job", "default", "export-28627211"), claim.Name);
        Assert.Equal(("cj", new ObjectRef("CronJob", "default", "export")), (claim.OwnerUid, claim.Owner));
    }
}
