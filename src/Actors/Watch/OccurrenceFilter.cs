using KSpanActors.Model;

namespace KSpanActors.Watch;

/// <summary>
/// Remembers, per cluster, the highest count already passed on for each Event uid, so a relist (or a MODIFIED that
/// does not raise the count) never sends an occurrence twice, while an Event that happened during a gap still passes.
/// Entries older than the retention (well beyond the API server's Event TTL, 1 h by default) are pruned: memory
/// follows the Events that still exist in the cluster, not the history. Thread-safe.
/// </summary>
public sealed class OccurrenceFilter(TimeSpan retention)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (long Count, long TimeNs)> _seen = new(StringComparer.Ordinal);
    private long _lastPruneNs;

    public int Count
    {
        get
        {
            lock (_gate) return _seen.Count;
        }
    }

    /// <summary>True when this occurrence was not passed on before (and remembers it).</summary>
    public bool TryPass(EventObserved e)
    {
        var now = DateTime.UtcNow.Ticks * 100 - DateTime.UnixEpoch.Ticks * 100;
        lock (_gate)
        {
            if (_seen.TryGetValue(e.EventUid, out var had) && had.Count >= e.Count) return false;
            _seen[e.EventUid] = (e.Count, Math.Max(e.TimeNs, now));
            if (now - _lastPruneNs > retention.Ticks * 100 / 4) Prune(now);
            return true;
        }
    }

    private void Prune(long now)
    {
        _lastPruneNs = now;
        var horizon = now - retention.Ticks * 100;
        List<string>? old = null;
        foreach (var (uid, v) in _seen)
        {
            if (v.TimeNs < horizon) (old ??= []).Add(uid);
        }
        if (old is null) return;
        foreach (var uid in old) _seen.Remove(uid);
    }
}
