using Akka.Actor;

namespace KSpanActors.Pipeline;

/// <summary>
/// An actor that processes tracked messages (<see cref="ITracked"/>): the one place where they are counted as done, once
/// processed, whatever the actor did with them (or threw). Tracked messages are sent through
/// <see cref="PipelineTracker.Send"/> and <see cref="PipelineTracker.Route"/> only; those that end in dead letters are
/// settled by <see cref="FlowCreditActor"/>.
/// </summary>
internal abstract class TrackedActor(PipelineTracker tracker) : UntypedActor
{
    protected PipelineTracker Tracker { get; } = tracker;

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        finally
        {
            if (message is ITracked t) Tracker.Done(Sender, t.Weight);
        }
    }
}
