namespace KSpanActors;

/// <summary>
/// A small, thread-safe stack of reusable instances: what a stopped actor held (a family's tables, grown to the size of
/// a rollout) serves the next actor started instead of being grown again from nothing. Bounded: past
/// <see cref="Capacity"/> returned instances are left to the collector.
/// </summary>
internal sealed class BoundedPool<T>(int capacity)
    where T : class
{
    private readonly Stack<T> _items = new(capacity);

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_items) return _items.Count;
        }
    }

    /// <summary>A returned instance, or null when none is waiting.</summary>
    public T? TryRent()
    {
        lock (_items) return _items.TryPop(out var item) ? item : null;
    }

    /// <summary>Keeps an instance the caller no longer uses (already reset by it); false when the pool is full.</summary>
    public bool Return(T item)
    {
        lock (_items)
        {
            if (_items.Count >= Capacity) return false;
            _items.Push(item);
            return true;
        }
    }
}
