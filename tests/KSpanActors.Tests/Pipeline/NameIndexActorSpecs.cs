using Akka.Actor;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>The name index's protocol: questions answered when a claim arrives, events without a uid resolved by name.</summary>
public sealed class NameIndexActorSpecs : ActorSpecBase
{
    private static readonly ObjectRef GonePod = new("Pod", "default", "web-old-y");
    private static readonly ObjectRef OldReplicaSet = new("ReplicaSet", "default", "web-old");

    [Fact]
    public void A_question_asked_before_the_claim_is_answered_once_the_claim_arrives()
    {
        var index = Sys.ActorOf(NameIndexActor.Props(EntityIds.Name(Cluster, GonePod), NewContext(), Registry));
        index.Tell(new WhoOwns(Cluster, GonePod, "p-old-y"));
        Objects.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        index.Tell(new ClaimName(Cluster, GonePod, "rs-old", OldReplicaSet));

        var answer = Objects.ExpectMsg<OwnerClaimed>();
        Assert.Equal(("p-old-y", "rs-old", OldReplicaSet), (answer.TargetUid, answer.OwnerUid, answer.Owner));
    }

    [Fact]
    public void An_event_without_a_uid_goes_to_the_object_of_its_name_when_input_ends()
    {
        var flux = new ObjectRef("Kustomization", "flux-system", "apps");
        var index = Sys.ActorOf(NameIndexActor.Props(EntityIds.Name(Cluster, flux), NewContext(), Registry));
        index.Tell(new NameObserved(Cluster, flux, "ks-uid", T("09:00:00")));
        var ev = Ev("f1", "Kustomization", "apps", null, "ReconciliationSucceeded", "Applied revision main@sha1:abc", "10:00:00", "kustomize-controller", ns: "flux-system");
        index.Tell(new ObserveByName(Cluster, flux, ev));
        index.Tell(new FinalizeName(EntityIds.Name(Cluster, flux)));

        var routed = Objects.ExpectMsg<Observe>();
        Assert.Equal("ks-uid", routed.Uid);
        Assert.Equal("ks-uid", ((Model.EventObserved)routed.Fact).ObjectUid);
    }
}
