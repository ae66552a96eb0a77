using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace KSpanActors.Pipeline;

/// <summary>Registry key of the node's <see cref="FlowCreditActor"/>.</summary>
public sealed class FlowCreditActorKey;

/// <summary>Another node processed <paramref name="Count"/> tracked messages this node sent (see <see cref="PipelineTracker"/>).</summary>
public sealed record FlowCredit(long Count) : IKSpanMessage, IDeadLetterSuppression;

/// <summary>
/// One per node, at <c>/user/kspan-flow</c>: the other half of <see cref="PipelineTracker"/>. Every few milliseconds it
/// sends each node what this node owes it (tracked messages of that node processed here) as one <see cref="FlowCredit"/>,
/// and takes the credits other nodes send here. It also settles what would otherwise never be acknowledged: tracked
/// messages that ended in dead letters on this node, and everything in flight when a member is removed. It keeps
/// <see cref="FleetHealth"/> (unreachable and removed members) up to date.
/// </summary>
internal sealed class FlowCreditActor : ReceiveActor, IWithTimers
{
    public const string Name = "kspan-flow";

    /// <summary>How long a credit may wait before it is sent: the latency of cross-node back-pressure.</summary>
    internal static readonly TimeSpan CreditInterval = TimeSpan.FromMilliseconds(5);

    private readonly PipelineTracker _tracker;
    private readonly FleetHealth _fleet;
    private readonly HashSet<Address> _unreachable = [];
    private readonly Dictionary<Address, ActorSelection> _peers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public FlowCreditActor(PipelineTracker tracker, FleetHealth fleet)
    {
        _tracker = tracker;
        _fleet = fleet;
        Receive<FlowCredit>(c => _tracker.Acknowledge(c.Count));
        Receive<SendCredits>(_ => SendOwed());
        Receive<AllDeadLetters>(d =>
        {
            // A tracked message nobody will process (its entity stopped, a region shut down): done, for its sender.
            if (d.Message is ITracked) _tracker.Done(d.Sender);
        });
        Receive<ClusterEvent.UnreachableMember>(m => Reachability(m.Member.Address, reachable: false));
        Receive<ClusterEvent.ReachableMember>(m => Reachability(m.Member.Address, reachable: true));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            _fleet.Removed();
            Reachability(m.Member.Address, reachable: true);
            var forgiven = _tracker.Forgive();
            if (forgiven > 0) _log.Info("Member {0} was removed: {1} tracked messages in flight from this node count as done", m.Member.Address, forgiven);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineTracker tracker, FleetHealth fleet) => Akka.Actor.Props.Create(() => new FlowCreditActor(tracker, fleet));

    private void Reachability(Address member, bool reachable)
    {
        if (reachable) _unreachable.Remove(member);
        else _unreachable.Add(member);
        _fleet.Unreachable(_unreachable.Count);
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(AllDeadLetters));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
        Timers.StartPeriodicTimer("credits", SendCredits.Instance, CreditInterval);
    }

    protected override void PostStop()
    {
        SendOwed(); // leaving: what was processed here is acknowledged to its senders
        Context.System.EventStream.Unsubscribe(Self);
        Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private void SendOwed()
    {
        var owed = _tracker.TakeOwed();
        if (owed.Count == 0) return;
        var members = Cluster.Get(Context.System).State;
        foreach (var (node, count) in owed)
        {
            // A node that is gone forgave itself what it sent (Forgive); sending to it would only open a connection.
            if (!members.Members.Any(m => m.Address.Equals(node) && m.Status != MemberStatus.Removed)) continue;
            if (!_peers.TryGetValue(node, out var peer))
            {
                peer = Context.ActorSelection(new RootActorPath(node) / "user" / Name);
                _peers[node] = peer;
            }
            peer.Tell(new FlowCredit(count), ActorRefs.NoSender);
        }
    }

    private sealed class SendCredits : INotInfluenceReceiveTimeout
    {
        public static readonly SendCredits Instance = new();
    }
}
