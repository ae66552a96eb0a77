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
}
