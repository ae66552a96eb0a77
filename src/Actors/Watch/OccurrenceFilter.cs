using KSpanActors.Model;

namespace KSpanActors.Watch;

/// <summary>
/// Remembers, per cluster, the highest count already passed on for each Event uid, so a relist (or a MODIFIED that
/// does not raise the count) never sends an occurrence twice, while an Event that happened during a gap still passes.
/// Entries older than the retention (well beyond the API server's Event TTL, 1 h by default) are pruned: memory
/// follows the Events that still exist in the cluster, not the history. An Event uid is held as its 64-bit hash, not
/// as its string: 32 bytes per Event instead of ~150, and no uid strings kept alive for hours (two of a million uids
/// collide with a probability of about 1 in 30 million million). The table is split in 64 parts, each with its own
/// lock: watch loops rarely wait for each other, and a cluster with a million Events never needs one huge array
/// (growing a single table of that size asks the GC for one 50 MB block at once). Thread-safe.
/// </summary>
internal sealed class OccurrenceFilter(TimeSpan retention)
{
    private const int PartCount = 64;
    private readonly Part[] _parts = [.. Enumerable.Range(0, PartCount).Select(_ => new Part())];

    public int Count
    {
        get
        {
            var n = 0;
            foreach (var p in _parts)
            {
                lock (p) n += p.Seen.Count;
            }
            return n;
        }
    }

    /// <summary>True when this occurrence was not passed on before (and remembers it).</summary>
    public bool TryPass(EventObserved e)
    {
        var now = DateTime.UtcNow.Ticks * 100 - DateTime.UnixEpoch.Ticks * 100;
        var key = e.Uid.Hash64;
        var part = _parts[(int)(key % PartCount)];
        lock (part)
        {
            if (part.Seen.TryGetValue(key, out var had) && had.Count >= e.Count) return false;
            part.Seen[key] = (e.Count, Math.Max(e.TimeNs, now));
            if (now - part.LastPruneNs > retention.Ticks * 100 / 4) part.Prune(now, now - retention.Ticks * 100);
            return true;
        }
    }

    private sealed class Part
    {
        public readonly Dictionary<ulong, (long Count, long TimeNs)> Seen = [];
        public long LastPruneNs;

        public void Prune(long now, long horizon)
        {
            LastPruneNs = now;
            List<ulong>? old = null;
            foreach (var (key, v) in Seen)
            {
                if (v.TimeNs < horizon) (old ??= []).Add(key);
            }
            if (old is null) return;
            foreach (var key in old) Seen.Remove(key);
        }
    }
}
