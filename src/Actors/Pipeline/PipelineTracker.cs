using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;

namespace KSpanActors.Pipeline;

/// <summary>
/// This node's share of the pipeline's flow control: every tracked message counts against the node that SENT it, from
/// the send until an actor (on any node) has processed it. The one place where tracked messages are sent
/// (<see cref="Send"/>, <see cref="Route"/>) and processed (<see cref="Done"/>).
/// <list type="bullet">
/// <item>A message processed on its sender's node is acknowledged at once. One processed on another node is owed to its
/// sender's node (known from the message's sender reference, which Akka carries across the wire) and acknowledged in
/// batches by <see cref="FlowCreditActor"/> (a few milliseconds later, as one <see cref="FlowCredit"/>).</item>
/// <item><see cref="InFlight"/> is therefore what this node's sources have put into the fleet and is not yet done,
/// wherever it went: the back-pressure of a watch loop (<see cref="WaitForRoomAsync"/>) is correct across processes.
/// Counting sends on one node and processing on another stalled the watchers of every multi-replica deployment.</item>
/// <item>A node that was removed from the cluster (crashed) never acknowledges what it held: its share is forgiven
/// (<see cref="Forgive"/>), and tracked messages that end in dead letters are acknowledged, so nothing leaks.</item>
/// <item>End of input on one node waits for <see cref="WhenIdleAsync"/>; several nodes wait until every node's
/// (sent, acknowledged) pair is balanced and unchanged over two reads (<see cref="PipelineRuntime.DrainAsync(IReadOnlyList{PipelineRuntime}, CancellationToken)"/>).</item>
/// </list>
/// </summary>
internal sealed class PipelineTracker
{
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<Address, StrongBox<long>> _owed = new();
    private long _sent;
    private long _messages;
    private long _fromOtherReplicas;
    private long _spansOnTheWay;
    private long _acked;
    private TaskCompletionSource _idle = NewIdle(completed: true);
    private volatile bool _exportBehind;
    private int _creditsDue;

    /// <summary>
    /// Sender of the messages this node's sources route (a local actor of this node): the node processing them
    /// acknowledges them to this node. Set when the pipeline starts; until then (unit tests) Nobody.
    /// </summary>
    public IActorRef Origin { get; internal set; } = ActorRefs.Nobody;

    /// <summary>Tracked messages this node sent that are not processed yet (never negative).</summary>
    public long InFlight => Math.Max(0, Interlocked.Read(ref _sent) - Interlocked.Read(ref _acked));

    /// <summary>
    /// This node's span emitter holds more than a quarter of its buffer for an exporter that is working, only slower than the
    /// pipeline (a backend that takes every batch, late): the sources wait (<see cref="WaitForRoomAsync"/>) until it
    /// caught up, rather than have it drop the oldest spans. An exporter that fails does not hold them: what a dead
    /// backend cannot take is buffered, then dropped and counted, and the watches go on.
    /// </summary>
    public bool ExportBehind
    {
        get => _exportBehind;
        internal set => _exportBehind = value;
    }

    /// <summary>
    /// Spans an actor of this node sent towards the span emitter (directly or through the ledger) that the emitter has not
    /// taken into its buffer yet: counted with the buffer when deciding whether the exporters are behind, so a backlog in
    /// the emitter's mailbox holds the sources too. (Without it, a replica of three clusters filled its 200,000-span
    /// buffer within 3 s of holding its sources and dropped 41,498 spans, the backend working.)
    /// </summary>
    public long SpansOnTheWay => Interlocked.Read(ref _spansOnTheWay);

    /// <summary>Spans sent towards the emitter (<see cref="SpansOnTheWay"/>).</summary>
    public void SpansSent(int spans) => Interlocked.Add(ref _spansOnTheWay, spans);

    /// <summary>Spans the emitter (or the ledger, dropping some) took (<see cref="SpansOnTheWay"/>).</summary>
    public void SpansTaken(int spans) => Interlocked.Add(ref _spansOnTheWay, -spans);

    /// <summary>Messages sent through <see cref="Send"/> and <see cref="Route"/>: a batch counts once (trips through the regions).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>
    /// Tracked messages (facts, by weight) that another replica sent and an actor of this one processed: the facts that
    /// crossed between replicas (few with <see cref="ShardPlacement.Source"/> placement, once the watchers are placed).
    /// </summary>
    public long FromOtherReplicas => Interlocked.Read(ref _fromOtherReplicas);

    /// <summary>Monotonic counters of this node: messages sent, and messages acknowledged (processed anywhere).</summary>
    public (long Sent, long Acked) Counters => (Interlocked.Read(ref _sent), Interlocked.Read(ref _acked));

    /// <summary>Sends a tracked message from an actor of this node (counted, then told with that actor as sender).</summary>
    public void Send(ICanTell target, object message, IActorRef sender)
    {
        Interlocked.Increment(ref _messages);
        Sent(message is ITracked t ? t.Weight : 1);
        target.Tell(message, sender);
    }

    /// <summary>Sends a tracked message from a source of this node (counted; the sender is <see cref="Origin"/>).</summary>
    public void Route(ICanTell target, object message) => Send(target, message, Origin);

    /// <summary>Counts messages about to be sent (prefer <see cref="Send"/>, which also sets the sender).</summary>
    public void Sent(int count = 1)
    {
        if (Interlocked.Add(ref _sent, count) - Interlocked.Read(ref _acked) == count)
        {
            lock (_gate)
            {
                if (_idle.Task.IsCompleted && IsBusy) _idle = NewIdle(completed: false);
            }
        }
    }

    /// <summary>
    /// A tracked message from <paramref name="sender"/> was processed here (or ended in dead letters here): acknowledged
    /// at once when it came from this node, owed to its node otherwise; <paramref name="weight"/> is its
    /// <see cref="ITracked.Weight"/>.
    /// </summary>
    public void Done(IActorRef? sender, int weight = 1)
    {
        if (sender is IActorRefScope { IsLocal: false } && sender.Path.Address is { HasGlobalScope: true } from)
        {
            Interlocked.Add(ref _owed.GetOrAdd(from, static _ => new StrongBox<long>()).Value, weight);
            Interlocked.Add(ref _fromOtherReplicas, weight);
            // The first credit owed since the last were sent wakes the flow actor (no timer ticks while nothing is owed).
            if (Interlocked.Exchange(ref _creditsDue, 1) == 0) Origin.Tell(CreditsOwed.Instance, ActorRefs.NoSender);
            return;
        }
        Acknowledge(weight);
    }

    /// <summary>Processed messages this node sent (one local message, or a credit from another node).</summary>
    public void Acknowledge(long count)
    {
        // Never beyond what was sent: after Forgive, credits for forgiven messages may still arrive.
        long acked, next;
        do
        {
            acked = Interlocked.Read(ref _acked);
            next = Math.Min(acked + count, Interlocked.Read(ref _sent));
            if (next <= acked) return;
        }
        while (Interlocked.CompareExchange(ref _acked, next, acked) != acked);
        if (next >= Interlocked.Read(ref _sent))
        {
            lock (_gate)
            {
                if (!IsBusy) _idle.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Called by the flow actor just before it takes what is owed: a credit owed after this wakes it again
    /// (<see cref="CreditsOwed"/>).
    /// </summary>
    public void CreditsTaken() => Volatile.Write(ref _creditsDue, 0);

    /// <summary>Takes what this node owes other nodes: (their address, how many of their messages were processed here).</summary>
    public List<(Address Node, long Count)> TakeOwed()
    {
        var owed = new List<(Address, long)>();
        foreach (var (node, box) in _owed)
        {
            var n = Interlocked.Exchange(ref box.Value, 0);
            if (n > 0) owed.Add((node, n));
        }
        return owed;
    }

    /// <summary>
    /// A member was removed from the cluster (it crashed, or left): what it held is gone or was handed on, and it will
    /// not acknowledge it. Everything in flight counts as done. Credits that live nodes still send for messages
    /// forgiven here are absorbed (acknowledged never exceeds sent), so until they have arrived this node may admit up
    /// to the forgiven number more; a drain across such a removal may end early. Returns what was forgiven.
    /// </summary>
    public long Forgive()
    {
        long forgiven;
        lock (_gate)
        {
            forgiven = Interlocked.Read(ref _sent) - Interlocked.Read(ref _acked);
            if (forgiven <= 0) return 0;
        }
        Acknowledge(forgiven);
        return forgiven;
    }

    private bool IsBusy => Interlocked.Read(ref _sent) > Interlocked.Read(ref _acked);

    /// <summary>
    /// Completes once at most <paramref name="max"/> tracked messages of this node are in flight and its exporters are
    /// not behind (<see cref="ExportBehind"/>): the back-pressure of a source. Polled, not signalled: the wait is rare
    /// and short, and a signal would cost every message a check.
    /// </summary>
    public async ValueTask WaitForRoomAsync(long max, CancellationToken cancellationToken = default)
    {
        while (InFlight > max || _exportBehind) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same for a source reading on a thread of its own: blocks that thread.</summary>
    public void WaitForRoom(long max, CancellationToken cancellationToken = default)
    {
        while (InFlight > max || _exportBehind)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }
    }

    /// <summary>Completes when no tracked message this node sent is in flight.</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task t;
            lock (_gate)
            {
                if (!IsBusy) return;
                t = _idle.Task;
            }
            await t.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult();
        return tcs;
    }
}

/// <summary>To the flow actor: credits are owed to other nodes; send them within the credit interval.</summary>
internal sealed class CreditsOwed
{
    public static readonly CreditsOwed Instance = new();
}
