using System.Collections.Concurrent;

namespace KSpanActors.Pipeline;

/// <summary>
/// A thread-safe cache of what was used recently, in two generations: entries go into the current one; when it is
/// full or older than the window, it becomes the previous one and the previous one is dropped whole. A hit in the
/// previous generation moves the entry forward, so what stays in use stays cached. Memory is bounded by the
/// capacity and follows recent activity, never the whole history; no per-entry timestamps, no scans.
/// </summary>
internal sealed class RecentCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly long _windowTicks;
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly Lock _swap = new();
    private volatile ConcurrentDictionary<TKey, TValue> _current;
    private volatile ConcurrentDictionary<TKey, TValue> _previous;
    private readonly Func<long> _nowMs;
    private long _currentSince;
    private int _currentCount; // ConcurrentDictionary.Count takes every lock: counted here instead

    /// <param name="capacity">Entries per generation (at most twice this many are held).</param>
    /// <param name="window">Age of a generation before it is retired (entries unused for two windows are gone).</param>
    /// <param name="nowMs">Clock in milliseconds (tests); default <see cref="Environment.TickCount64"/>.</param>
    public RecentCache(int capacity, TimeSpan window, IEqualityComparer<TKey>? comparer = null, Func<long>? nowMs = null)
    {
        _nowMs = nowMs ?? (static () => Environment.TickCount64);
        _currentSince = _nowMs();
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _windowTicks = Math.Max(1, (long)window.TotalMilliseconds);
        _comparer = comparer;
        _current = new ConcurrentDictionary<TKey, TValue>(comparer);
        _previous = new ConcurrentDictionary<TKey, TValue>(comparer);
    }

    /// <summary>Entries held in both generations.</summary>
    public int Count => _current.Count + _previous.Count; // takes every lock: for diagnostics, not the hot path

    public bool TryGet(TKey key, out TValue value)
    {
        if (_current.TryGetValue(key, out value!)) return true;
        if (!_previous.TryGetValue(key, out value!)) return false;
        Set(key, value);
        return true;
    }

    public void Set(TKey key, TValue value)
    {
        var current = _current;
        if (Volatile.Read(ref _currentCount) >= _capacity || _nowMs() - Interlocked.Read(ref _currentSince) >= _windowTicks)
        {
            current = Retire(current);
        }
        if (current.TryAdd(key, value)) Interlocked.Increment(ref _currentCount);
        else current[key] = value;
    }

    public void Remove(TKey key)
    {
        _current.TryRemove(key, out _);
        _previous.TryRemove(key, out _);
    }

    private ConcurrentDictionary<TKey, TValue> Retire(ConcurrentDictionary<TKey, TValue> seen)
    {
        lock (_swap)
        {
            if (!ReferenceEquals(_current, seen)) return _current; // another thread retired it already
            _previous = seen;
            _current = new ConcurrentDictionary<TKey, TValue>(_comparer);
            Volatile.Write(ref _currentCount, 0);
            Interlocked.Exchange(ref _currentSince, _nowMs());
            return _current;
        }
    }
}
