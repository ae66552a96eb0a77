using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// The flow actor settles tracked messages nobody will process: whether dead letters carry them bare or, as a shard
/// region dropping its buffer at hand-off does, inside a <see cref="Dropped"/>.
/// </summary>
public sealed class FlowCreditActorSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp.port = 0
    akka.remote.dot-netty.tcp.hostname = 127.0.0.1
    akka.loglevel = WARNING
    """))
{
    private static LedgerCheck Tracked() => new("c", ImmutableArray<KSpanActors.Model.TraceSpans>.Empty);

    /// <summary>The flow actor, once it subscribed to dead letters (in PreStart, before it answers anything).</summary>
    private IActorRef Started(PipelineTracker tracker)
    {
        var flow = Sys.ActorOf(FlowCreditActor.Props(tracker, new FleetHealth(null)), FlowCreditActor.Name);
        flow.Tell(new Identify(0));
        ExpectMsg<ActorIdentity>();
        return flow;
    }

    [Fact]
    public void A_tracked_message_a_region_dropped_inside_a_Dropped_is_settled_for_its_sender()
    {
        var tracker = new PipelineTracker();
        Started(tracker);
        var sender = CreateTestProbe().Ref;
        tracker.Sent(2);

        // What ShardRegion does with its buffer for a shard being handed off: Tell(deadLetters, new Dropped(...)).
        Sys.DeadLetters.Tell(new Dropped(Tracked(), "Avoiding reordering of buffered messages at shard handoff", sender, ActorRefs.NoSender));
        AwaitCondition(() => tracker.InFlight == 1, TimeSpan.FromSeconds(5));
        Sys.EventStream.Publish(new DeadLetter(Tracked(), sender, ActorRefs.Nobody));
        AwaitCondition(() => tracker.InFlight == 0, TimeSpan.FromSeconds(5));
        Assert.Equal((2, 2), tracker.Counters);
    }

    [Fact]
    public void Untracked_dead_letters_are_not_counted()
    {
        var tracker = new PipelineTracker();
        var flow = Started(tracker);
        tracker.Sent(1);
        Sys.DeadLetters.Tell(new Dropped("not tracked", "test", TestActor, ActorRefs.NoSender));
        Sys.EventStream.Publish(new DeadLetter("not tracked either", TestActor, ActorRefs.Nobody));
        // The flow actor handles its mailbox in order: once it answered an Identify sent after them, they were seen.
        flow.Tell(new Identify(1));
        ExpectMsg<ActorIdentity>();
        Assert.Equal(1, tracker.InFlight);
    }
}
