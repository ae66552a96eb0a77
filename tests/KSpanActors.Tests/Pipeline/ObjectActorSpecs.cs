using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>The ObjectActor's protocol, with probes for the regions and the emitter it talks to.</summary>
public sealed class ObjectActorSpecs : ActorSpecBase
{
    private IActorRef Entity(PipelineServices ctx, string uid) =>
        Sys.ActorOf(ObjectActor.Props(ctx, Registry), Uri.EscapeDataString(EntityIds.Object(Cluster, uid)));

    [Fact]
    public void A_child_relays_its_events_to_its_owner_through_the_object_region_and_each_message_is_counted_done()
    {
        var ctx = NewContext();
        var pod = Entity(ctx, "p-new-a");
        ctx.Tracker.Sent(2);
        pod.Tell(new Observe(Cluster, "p-new-a", Obj("p-new-a", "Pod", "web-new-a", "10:00:00", Owner("ReplicaSet", "web-new", "rs-new"))));
        var scheduled = Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler");
        pod.Tell(new Observe(Cluster, "p-new-a", scheduled));

        // Its own snapshot goes up too (the owner's family holds its objects), then the event.
        var relayed = new[] { Objects.ExpectMsg<Propagate>(), Objects.ExpectMsg<Propagate>() };
        Assert.All(relayed, p => Assert.Equal("rs-new", p.TargetUid));
        Assert.Same(scheduled, relayed[1].Fact);
        // Two tracked messages in and done; two tracked messages out, to a probe that never processes them.
        AwaitCondition(() => ctx.Tracker.Counters == (4, 2), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_top_level_object_exports_its_family_on_EmitObject()
    {
        var ctx = NewContext();
        var dep = Entity(ctx, "dep");
        var (facts, _) = Support.Scenarios.Rollout();
        dep.Tell(new Observe(Cluster, "dep", facts[0]));
        Names.ExpectMsg<NameObserved>(n => n.Uid == "dep");
        dep.Tell(new Observe(Cluster, "dep", Ev("e1", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-new to 1", "10:00:00", "deployment-controller")));
        dep.Tell(new EmitObject(EntityIds.Object(Cluster, "dep")));

        var exported = Emitter.ExpectMsg<EmitSpans>();
        Assert.Contains(exported.Trace.Spans, s => s.Name == "Deployment.ScalingReplicaSet");
    }

    [Fact]
    public void The_last_replica_leaving_exports_what_an_undecided_object_holds_and_stops()
    {
        var ctx = NewContext();
        var gone = Entity(ctx, "gone");
        Watch(gone);
        gone.Tell(new Observe(Cluster, "gone", Ev("k1", "Pod", "gone-pod", "gone", "Killing", "Stopping container app", "10:00:07", "kubelet")));
        Names.ExpectMsg<WhoOwns>(w => w.Name == new ObjectRef("Pod", "default", "gone-pod"));

        gone.Tell(Relocate.Instance); // no other member: nobody to hand the state to

        Assert.Contains(Emitter.ExpectMsg<EmitSpans>().Trace.Spans, s => s.Name == "Pod.Killing");
        ExpectTerminated(gone);
    }

    [Fact]
    public void A_hand_off_arriving_at_the_successor_is_merged_and_exported_from_there()
    {
        var ctx = NewContext();
        var successor = Entity(ctx, "gone");
        var killing = Ev("k1", "Pod", "gone-pod", "gone", "Killing", "Stopping container app", "10:00:07", "kubelet");
        successor.Tell(new ObjectHandOff(EntityIds.Object(Cluster, "gone"), WasTop: true, new ObjectRef("Pod", "default", "gone-pod"), [], null, null, null,
            [new CarriedFact(killing, [])]));
        successor.Tell(new EmitObject(EntityIds.Object(Cluster, "gone")));

        Assert.Contains(Emitter.ExpectMsg<EmitSpans>().Trace.Spans, s => s.Name == "Pod.Killing");
    }
}
