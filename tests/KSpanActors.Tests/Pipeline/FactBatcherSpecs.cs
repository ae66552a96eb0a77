using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// A source's facts, batched by the object actor they go to (<see cref="FactBatcher"/>), and an actor taking a batch
/// as the messages it stands for: the same decisions, every fact counted done.
/// </summary>
public sealed class FactBatcherSpecs : ActorSpecBase
{
    private static EventObserved PodEvent(string id, string reason) =>
        Ev(id, "Pod", "web-a", "pod", reason, reason + " of web-a", "10:00:01", "kubelet");

    private (FactBatcher Batcher, PipelineServices Context) New()
    {
        var ctx = NewContext();
        var router = new FactRouter(ctx, Objects.Ref, Names.Ref);
        return (router.Batcher(), ctx);
    }

    [Fact]
    public void A_rollouts_facts_go_to_their_top_as_one_batch_at_the_flush_and_a_lone_fact_as_the_message_it_was()
    {
        var (batcher, ctx) = New();
        var rs = Obj("rs", "ReplicaSet", "web", "10:00:00", Owner("Deployment", "web", "dep"));
        var dep = Obj("dep", "Deployment", "web", "10:00:00");
        var pod = Obj("pod", "Pod", "web-a", "10:00:00", Owner("ReplicaSet", "web", "rs"));
        batcher.Add(rs);
        batcher.Add(dep);
        batcher.Add(pod);
        var events = new[] { PodEvent("e1", "Scheduled"), PodEvent("e2", "Pulling"), PodEvent("e3", "Pulled") };
        foreach (var e in events) batcher.Add(e);
        var stray = Ev("e4", "Pod", "stray", "stray", "Scheduled", "Successfully assigned", "10:00:02", "default-scheduler");
        batcher.Add(stray);
        Objects.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // held until the source flushes
        Assert.Equal(0, ctx.Tracker.InFlight);

        batcher.Flush();

        var received = Objects.ReceiveN(2, TimeSpan.FromSeconds(5));
        // Every fact of the rollout to the Deployment, each with the relays' path: the ReplicaSet's first snapshot (its
        // owner's snapshot was not seen yet: the Deployment's actor holds it until it knows itself), the Deployment's own,
        // and the pod's snapshot and events (its owners were seen). Neither the ReplicaSet nor the pod starts an actor.
        var batch = Assert.Single(received.OfType<FactBatch>());
        Assert.Equal("dep", batch.TargetUid);
        Assert.Equal(new ObjectRef("Deployment", "default", "web"), batch.Target);
        Assert.Equal([rs, dep, pod, .. events], batch.Facts.Select(f => f.Fact));
        Assert.Equal([["rs"], [], ["pod", "rs"], ["pod", "rs"], ["pod", "rs"], ["pod", "rs"]], batch.Facts.Select(f => f.Path.ToArray()));
        // An event of an object never seen: to its own actor, as the one message it was.
        var lone = Assert.Single(received.OfType<Observe>());
        Assert.Equal(("stray", stray), (lone.Uid, lone.Fact));
        Assert.Equal(7, ctx.Tracker.InFlight); // the batch weighs six
        Assert.Equal(2, ctx.Tracker.Messages);
    }

    [Fact]
    public void An_objects_first_snapshot_goes_to_its_own_actor_when_facts_went_there_before_it()
    {
        var (batcher, _) = New();
        batcher.Add(Obj("dep", "Deployment", "web", "10:00:00"));
        batcher.Add(Obj("rs", "ReplicaSet", "web", "10:00:00", Owner("Deployment", "web", "dep")));
        var early = PodEvent("e1", "Scheduled"); // before the pod's snapshot: its owner is not known yet
        batcher.Add(early);
        var pod = Obj("pod", "Pod", "web-a", "10:00:00", Owner("ReplicaSet", "web", "rs"));
        batcher.Add(pod);
        var later = PodEvent("e2", "Pulling");
        batcher.Add(later);
        batcher.Flush();

        var received = Objects.ReceiveN(2, TimeSpan.FromSeconds(5));
        var own = Assert.Single(received.OfType<FactBatch>(), b => b.TargetUid == "pod");
        Assert.Equal([early, pod], own.Facts.Select(f => f.Fact)); // the early event waits there for the snapshot
        var top = Assert.Single(received.OfType<FactBatch>(), b => b.TargetUid == "dep");
        Assert.Contains(later, top.Facts.Select(f => f.Fact));
        Assert.DoesNotContain(pod, top.Facts.Select(f => f.Fact));
    }

    [Fact]
    public void A_readable_controller_action_goes_up_with_its_claim_told_by_the_source_and_an_unreadable_one_to_its_object_with_the_snapshot()
    {
        var (batcher, _) = New();
        var dep = Obj("dep", "Deployment", "web", "10:00:00");
        var rs = Obj("rs", "ReplicaSet", "web", "10:00:00", Owner("Deployment", "web", "dep"));
        batcher.Add(dep);
        batcher.Add(rs); // straight to the Deployment: nothing went to the ReplicaSet's actor yet
        var create = Ev("c1", "ReplicaSet", "web", "rs", "SuccessfulCreate", "Created pod: web-a", "10:00:01", "replicaset-controller");
        var junk = Ev("c2", "ReplicaSet", "web", "rs", "SuccessfulCreate", "xxxx", "10:00:01", "replicaset-controller");
        var junk2 = Ev("c3", "ReplicaSet", "web", "rs", "SuccessfulCreate", "yyyy", "10:00:01", "replicaset-controller");
        batcher.Add(create);
        batcher.Add(junk);
        batcher.Add(junk2);

        // What the ReplicaSet's actor would have told the name index: that it created web-a.
        var claim = Names.ExpectMsg<ClaimName>(TimeSpan.FromSeconds(5));
        Assert.Equal((new ObjectRef("Pod", "default", "web-a"), "rs", new ObjectRef("ReplicaSet", "default", "web")), (claim.Name, claim.OwnerUid, claim.Owner));
        batcher.Flush();

        var received = Objects.ReceiveN(2, TimeSpan.FromSeconds(5));
        var top = Assert.Single(received.OfType<FactBatch>(), b => b.TargetUid == "dep");
        Assert.Equal([dep, rs, create], top.Facts.Select(f => f.Fact));
        Assert.Equal(["rs"], top.Facts[2].Path.ToArray());
        // An action that says nothing readable goes to its object, which counts and logs it. That actor may live on a
        // replica that never saw the ReplicaSet's snapshot: it gets it first, once.
        var own = Assert.Single(received.OfType<FactBatch>(), b => b.TargetUid == "rs");
        Assert.Equal([rs, junk, junk2], own.Facts.Select(f => f.Fact));
        Names.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void No_more_than_MaxHeld_facts_wait_for_a_flush()
    {
        var (batcher, ctx) = New();
        for (var i = 0; i < FactBatcher.MaxHeld; i++) batcher.Add(Ev($"e{i}", "Pod", $"p{i}", $"p{i}", "Scheduled", "Successfully assigned", "10:00:00", "default-scheduler"));

        Objects.ReceiveN(FactBatcher.MaxHeld, TimeSpan.FromSeconds(5));
        Assert.Equal(FactBatcher.MaxHeld, ctx.Tracker.InFlight);
        batcher.Flush(); // nothing left
        Objects.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_actor_takes_a_batch_as_the_messages_it_stands_for_and_counts_each_fact_done()
    {
        var (facts, _) = Support.Scenarios.Rollout();
        var carried = facts.Select(f => new CarriedFact(f, f is ObjectObserved { Uid: "dep" } or EventObserved { ObjectUid: "dep" } ? [] : ["child"])).ToList();
        var target = new ObjectRef("Deployment", "default", "web");

        // The same facts, once as one message each, once as one batch, to a fresh actor and context each time.
        var one = Exported(ctx => carried.Select(c => (object)(c.Path.IsEmpty ? new Observe(Cluster, "dep", c.Fact) : new Propagate(Cluster, "dep", target, c.Fact, c.Path))));
        var batched = Exported(ctx => [new FactBatch(Cluster, "dep", target, [.. carried])]);

        Assert.NotEmpty(one);
        Assert.Equal(one, batched);
    }

    /// <summary>Sends the messages to a fresh "dep" actor, waits until every fact is counted done, exports, stops it.</summary>
    private List<(string Name, long Start, long End, string Parent)> Exported(Func<PipelineServices, IEnumerable<object>> messages)
    {
        var ctx = NewContext();
        var dep = Sys.ActorOf(ObjectActor.Props(ctx, Registry), Uri.EscapeDataString(EntityIds.Object(Cluster, "dep")));
        var sent = 0L;
        foreach (var m in messages(ctx))
        {
            ctx.Tracker.Send(dep, m, TestActor);
            sent += ((ITracked)m).Weight;
        }
        // Done once processed (what the actor sends on itself goes to probes, which never count anything done).
        AwaitCondition(() => ctx.Tracker.Counters.Acked == sent, TimeSpan.FromSeconds(5));
        dep.Tell(new EmitObject(EntityIds.Object(Cluster, "dep")));
        var spans = Emitter.ExpectMsg<EmitSpans>().Trace.Spans;
        Watch(dep);
        Sys.Stop(dep);
        ExpectTerminated(dep);
        Names.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m);
        return [.. spans.Select(s => (s.Name, s.StartNs, s.EndNs, s.ParentSpanId.ToString()))];
    }

    [Fact]
    public void A_batch_that_ends_in_dead_letters_is_settled_with_its_weight()
    {
        var tracker = new PipelineTracker();
        var flow = Sys.ActorOf(FlowCreditActor.Props(tracker, new FleetHealth(null)), FlowCreditActor.Name);
        flow.Tell(new Identify(0));
        ExpectMsg<ActorIdentity>();
        var batch = new FactBatch(Cluster, "gone", null, [new CarriedFact(PodEvent("e1", "Killing"), []), new CarriedFact(PodEvent("e2", "Killing"), [])]);
        tracker.Sent(batch.Weight);

        Sys.EventStream.Publish(new Akka.Event.DeadLetter(batch, TestActor, ActorRefs.Nobody));

        AwaitCondition(() => tracker.InFlight == 0, TimeSpan.FromSeconds(5));
        Assert.Equal((2, 2), tracker.Counters);
    }
}
