namespace KSpanActors.Pipeline;

/// <summary>Root span ids exported by this process, kept for a day. Thread-safe.</summary>
internal sealed class EmittedRoots
{
    private static readonly long Ttl = TimeSpan.FromDays(1).Ticks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, long> _roots = new();
    private long _nextPrune = DateTime.UtcNow.Ticks + Ttl;

    /// <summary>True the first time a root id is seen (it should be exported), false afterwards.</summary>
    public bool FirstTime(ulong spanId)
    {
        var now = DateTime.UtcNow.Ticks;
        if (now > Interlocked.Read(ref _nextPrune))
        {
            Interlocked.Exchange(ref _nextPrune, now + Ttl / 4);
            foreach (var (id, at) in _roots)
            {
                if (now - at > Ttl) _roots.TryRemove(id, out _);
            }
        }
        return _roots.TryAdd(spanId, now);
    }

    public bool Contains(ulong spanId) => _roots.ContainsKey(spanId);
}
