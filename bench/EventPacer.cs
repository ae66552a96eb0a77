using System.Diagnostics;

namespace KSpanActors.Bench;

/// <summary>
/// Releases events at a steady rate to the threads that share it (the latency mode's decoders): a token bucket refilled
/// from the clock at <c>eventsPerSecond</c>, holding at most <c>burst</c> worth of tokens. A thread finding it empty
/// sleeps about a millisecond (the scheduler's tick) and takes the tokens that accrued meanwhile, so events go out in
/// steps of about a millisecond and a thread that fell behind (back-pressure, a collection, another process on the core)
/// catches up by at most <c>burst</c>: there is no burst of the whole backlog.
/// </summary>
internal sealed class EventPacer
{
    private readonly double _perTick;
    private readonly double _capacity;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    /// <param name="start">Stopwatch timestamp the bucket starts at, empty.</param>
    /// <param name="frequency">Stopwatch ticks per second (a parameter, so the arithmetic can be checked with round numbers).</param>
    public EventPacer(double eventsPerSecond, TimeSpan burst, long start, long frequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerSecond);
        _perTick = eventsPerSecond / frequency;
        _capacity = Math.Max(1, eventsPerSecond * burst.TotalSeconds);
        _last = start;
    }

    /// <summary>Takes one token at <paramref name="now"/> (a Stopwatch timestamp): 0 when taken, else the ticks until one is due (nothing taken).</summary>
    public long TryTake(long now)
    {
        lock (_gate)
        {
            if (now > _last)
            {
                _tokens = Math.Min(_capacity, _tokens + (now - _last) * _perTick);
                _last = now;
            }

            if (_tokens >= 1)
            {
                _tokens -= 1;
                return 0;
            }

            return Math.Max(1, (long)Math.Ceiling((1 - _tokens) / _perTick));
        }
    }

    /// <summary>Blocks the calling thread until it may release one event.</summary>
    public void Take()
    {
        while (TryTake(Stopwatch.GetTimestamp()) > 0) Thread.Sleep(1);
    }
}
