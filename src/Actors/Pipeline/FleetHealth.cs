using System.Diagnostics;

namespace KSpanActors.Pipeline;

/// <summary>
/// While a replica is unreachable, and for a while after one was removed, the facts of the clusters it watched are late:
/// they arrive after a relist, seconds after they happened. A top-level object that settled meanwhile would export a
/// root that ends before them (a trace whose root no longer covers its children). So streaming exports wait while
/// <see cref="HoldsExports"/>: from the moment a member is unreachable until <see cref="Hold"/> after the last removal
/// (the survivors relist in that time). Updated by <see cref="FlowCreditActor"/> from cluster events; thread-safe.
/// </summary>
internal sealed class FleetHealth(TimeSpan? settleAfter)
{
    private int _unreachable;
    private long _lastRemoval;
    private long _removals;

    /// <summary>
    /// How long after a member's removal the shard regions may still route to it: a message sent to one of its shards
    /// meanwhile goes to the dead address and is lost. Relists and repeated registrations wait this long.
    /// </summary>
    public static readonly TimeSpan RoutingDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many members were removed at least <see cref="RoutingDelay"/> ago: what a removed member held is gone,
    /// including the name index's claims and questions. An actor that sees this change tells the index again what it
    /// told it before (and, counting only removals the regions have caught up with, its messages arrive).
    /// </summary>
    public long Removals
    {
        get
        {
            var removals = Interlocked.Read(ref _removals);
            return removals > 0 && Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastRemoval)) < RoutingDelay ? removals - 1 : removals;
        }
    }

    /// <summary>How long exports still wait after a member was removed: two settle periods, at least 5 s.</summary>
    public TimeSpan Hold { get; } = settleAfter is { } s && s * 2 > TimeSpan.FromSeconds(5) ? s * 2 : TimeSpan.FromSeconds(5);

    public bool HoldsExports =>
        Volatile.Read(ref _unreachable) > 0 ||
        (Interlocked.Read(ref _lastRemoval) is var at and not 0 && Stopwatch.GetElapsedTime(at) < Hold);

    internal void Unreachable(int count) => Volatile.Write(ref _unreachable, count);

    internal void Removed()
    {
        Interlocked.Exchange(ref _lastRemoval, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _removals);
    }
}
