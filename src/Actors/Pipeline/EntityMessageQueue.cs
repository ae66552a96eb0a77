using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace KSpanActors.Pipeline;

/// <summary>The queue behind <see cref="EntityMailbox"/>. Thread-safe: any number of producers, one consumer.</summary>
internal sealed class EntityMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    /// <summary>Largest buffer kept once drained; a larger one (after a burst) is dropped.</summary>
    internal const int KeptSlots = 16;

    private readonly Lock _lock = new();
    private Envelope[]? _items;
    private int _head;
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Slots held now (0 while empty and not recently busy): for tests.</summary>
    internal int Capacity
    {
        get
        {
            lock (_lock) return _items?.Length ?? 0;
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_lock)
        {
            var items = _items;
            if (items is null) _items = items = new Envelope[4];
            else if (_count == items.Length) items = Grow(items);
            items[(_head + _count) & (items.Length - 1)] = envelope;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                envelope = default;
                return false;
            }
            var items = _items!;
            envelope = items[_head];
            items[_head] = default; // no reference kept to a processed message
            _head = (_head + 1) & (items.Length - 1);
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0)
            {
                _head = 0;
                if (items.Length > KeptSlots) _items = null;
            }
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }

    private Envelope[] Grow(Envelope[] items)
    {
        var grown = new Envelope[items.Length * 2];
        for (var i = 0; i < _count; i++) grown[i] = items[(_head + i) & (items.Length - 1)];
        _head = 0;
        _items = grown;
        return grown;
    }
}
