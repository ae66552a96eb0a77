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
