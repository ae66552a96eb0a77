namespace KSpanActors;

/// <summary>
/// Exponential backoff with jitter, the one used wherever something is retried (watches, exporters): the n-th wait is
/// drawn from [c/2, c] with c = min(max, min x 2^n); <see cref="Reset"/> after a success.
/// </summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max)
{
    private int _failures;

    /// <summary>The longest wait.</summary>
    public TimeSpan Max => max;

    /// <summary>Attempts failed since the last <see cref="Reset"/>.</summary>
    public int Failures => _failures;

    /// <summary>Counts a failure and returns how long to wait before the next attempt.</summary>
    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 20)));
        _failures++;
        var jittered = (ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2);
        return TimeSpan.FromMilliseconds(jittered);
    }

    public void Reset() => _failures = 0;
}
