namespace KSpanActors.Pipeline;

/// <summary>
/// Counts tracked messages from the moment they are sent until an actor has processed them, so a replay
/// can wait until nothing is in flight before it finalizes and flushes. One per process (per pipeline).
/// </summary>
public sealed class PipelineTracker
{
    private readonly object _gate = new();
    private long _inFlight;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void Sent(int count = 1)
    {
        if (Interlocked.Add(ref _inFlight, count) == count)
        {
            lock (_gate)
            {
                if (_idle.Task.IsCompleted && Interlocked.Read(ref _inFlight) > 0) _idle = NewIdle(completed: false);
            }
        }
    }

    public void Done()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            lock (_gate)
            {
                if (Interlocked.Read(ref _inFlight) == 0) _idle.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Completes once at most <paramref name="max"/> tracked messages are in flight: the back-pressure of a source.
    /// Polled, not signalled: the wait is rare and short (actors drain thousands of messages per millisecond), and a
    /// signal would cost every message a check.
    /// </summary>
    public async ValueTask WaitForRoomAsync(long max, CancellationToken cancellationToken = default)
    {
        while (InFlight > max) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same for a source reading on a thread of its own: blocks that thread.</summary>
    public void WaitForRoom(long max, CancellationToken cancellationToken = default)
    {
        while (InFlight > max)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }
    }

    /// <summary>Completes when no tracked message is in flight.</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task t;
            lock (_gate)
            {
                if (Interlocked.Read(ref _inFlight) == 0) return;
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
