using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

/// <summary>Flow control per node: what this node sent, acknowledged wherever it was processed.</summary>
public sealed class PipelineTrackerTests
{
    [Fact]
    public async Task Messages_processed_on_this_node_are_acknowledged_at_once_and_the_node_becomes_idle()
    {
        var tracker = new PipelineTracker();
        tracker.Sent(2);
        Assert.Equal(2, tracker.InFlight);
        var idle = tracker.WhenIdleAsync();
        tracker.Done(sender: null);
        Assert.False(idle.IsCompleted);
        tracker.Done(sender: Akka.Actor.ActorRefs.Nobody);
        await idle.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((2, 2), tracker.Counters);
    }

    [Fact]
    public void A_removed_member_never_acknowledges_what_it_held_so_it_is_forgiven_and_late_credits_never_go_below_zero()
    {
        var tracker = new PipelineTracker();
        tracker.Sent(10);
        tracker.Acknowledge(3);
        Assert.Equal(7, tracker.Forgive());
        Assert.Equal(0, tracker.InFlight);

        tracker.Acknowledge(4); // credits from a live node for messages already forgiven
        Assert.Equal((10, 10), tracker.Counters);
        tracker.Sent(1);
        Assert.Equal(1, tracker.InFlight);
        Assert.Equal(0, tracker.Forgive() - 1);
    }

    [Fact]
    public void Nothing_is_owed_for_local_messages()
    {
        var tracker = new PipelineTracker();
        tracker.Sent();
        tracker.Done(sender: null);
        Assert.Empty(tracker.TakeOwed());
    }

    [Fact]
    public void The_flow_actor_is_woken_once_by_the_first_credit_owed_and_again_only_after_it_took_them()
    {
        var origin = new RecordingRef(new Akka.Actor.RootActorPath(new Akka.Actor.Address("akka.tcp", "kspan", "127.0.0.1", 1)) / "user" / "kspan-flow", local: true);
        var tracker = new PipelineTracker { Origin = origin };
        var peer = new Akka.Actor.Address("akka.tcp", "kspan", "127.0.0.1", 2);
        var remote = new RecordingRef(new Akka.Actor.RootActorPath(peer) / "user" / "x", local: false);

        tracker.Done(remote);
        tracker.Done(remote, weight: 3);
        Assert.Single(origin.Told, m => m is CreditsOwed); // one wake-up for both: no timer runs while nothing is owed

        tracker.CreditsTaken();
        Assert.Equal([(peer, 4L)], tracker.TakeOwed());
        Assert.Single(origin.Told);

        tracker.Done(remote); // owed after the take: wakes it again
        Assert.Equal(2, origin.Told.Count(m => m is CreditsOwed));
        tracker.Done(sender: null); // a local message owes nothing and wakes nobody
        Assert.Equal(2, origin.Told.Count);
    }

    /// <summary>An actor reference that records what it is told; local or on another node.</summary>
    private sealed class RecordingRef(Akka.Actor.ActorPath path, bool local) : Akka.Actor.ActorRefBase, Akka.Actor.IActorRefScope
    {
        public List<object> Told { get; } = [];

        public override Akka.Actor.ActorPath Path { get; } = path;

        public bool IsLocal => local;

        protected override void TellInternal(object message, Akka.Actor.IActorRef sender) => Told.Add(message);
    }
}
