using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace KSpanActors.Pipeline;

/// <summary>
/// One per node, at <c>/user/kspan-flow</c>: the other half of <see cref="PipelineTracker"/>. Within a few milliseconds of
/// the first credit owed it sends each node what this node owes it (tracked messages of that node processed here) as one
/// <see cref="FlowCredit"/> (a timer only while something is owed: an idle replica is not woken 200 times a second),
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
        Receive<CreditsOwed>(_ =>
        {
            if (!Timers.IsTimerActive("credits")) Timers.StartSingleTimer("credits", SendCredits.Instance, CreditInterval);
        });
        Receive<SendCredits>(_ => SendOwed());
        Receive<AllDeadLetters>(d =>
        {
            // A region drops its buffer for a shard being handed off by telling dead letters a Dropped per message, which
            // arrives here wrapped in a DeadLetter: the tracked message and its sender are inside.
            var (message, sender) = d.Message is Dropped dropped ? (dropped.Message, dropped.Sender) : (d.Message, d.Sender);
            if (message is not ITracked tracked) return;
            // A fact for a sharded entity that a region dropped (a shard handed off while the message waited in the
            // region's buffer: Akka drops those "to avoid re-ordering", and our actors do not depend on order) goes out
            // again; anything else nobody will process is done, for its sender.
            if (Redeliver(message, sender)) return;
            _tracker.Done(sender, tracked.Weight);
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
    }

    protected override void PostStop()
    {
        SendOwed(); // leaving: what was processed here is acknowledged to its senders
        Context.System.EventStream.Unsubscribe(Self);
        Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>How often one message instance is sent again before it counts as done (and lost).</summary>
    private const int MaxRedeliveries = 3;

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, System.Runtime.CompilerServices.StrongBox<int>> _redelivered = new();

    /// <summary>
    /// Sends a dropped sharded message again, with its original sender (so it is still acknowledged to its node): to
    /// this node's region, or to another member's when this one is leaving.
    /// </summary>
    private bool Redeliver(object message, IActorRef sender)
    {
        var region = message switch
        {
            IObjectMessage => PipelineHosting.ObjectRegionName,
            INameMessage => PipelineHosting.NameRegionName,
            _ => null,
        };
        if (region is null || Context.System.WhenTerminated.IsCompleted) return false;
        var attempts = _redelivered.GetOrCreateValue(message);
        if (++attempts.Value > MaxRedeliveries)
        {
            _log.Warning("A {0} was dropped {1} times by the shard regions; giving up on it", message.GetType().Name, MaxRedeliveries);
            return false;
        }
        // Leaving from the moment coordinated shutdown runs: the hand-off comes before the member status changes.
        var leaving = CoordinatedShutdown.Get(Context.System).ShutdownReason is not null
            || Cluster.Get(Context.System).SelfMember.Status is not (MemberStatus.Up or MemberStatus.Joining or MemberStatus.WeaklyUp);
        var target = (leaving ? ObjectActor.PeerRegion(region) : null) ?? Context.ActorSelection(PipelineHosting.RegionPath(Cluster.Get(Context.System).SelfAddress, region));
        target.Tell(message, sender);
        _log.Debug("A {0} dropped by a shard region goes out again (attempt {1}) to {2}", message.GetType().Name, attempts.Value, target);
        return true;
    }

    private void SendOwed()
    {
        _tracker.CreditsTaken(); // before taking: a credit owed from here on schedules the next send
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
