using System.Collections.Immutable;
using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// One source's facts, held briefly and sent grouped by the object actor they go to: a rollout's events, which the
/// router sends to the same top-level object, make one <see cref="FactBatch"/> (one trip through the shard region, one
/// mailbox entry) instead of a message each. A group of one goes out as the <see cref="Observe"/> or
/// <see cref="Propagate"/> it would have been. The source calls <see cref="Flush"/> whenever it is about to wait for
/// input (end of a chunk it read), so nothing waits here for more than the source's own chunk; at most
/// <see cref="MaxHeld"/> facts are held. Not thread-safe: one per source thread or loop.
/// </summary>
internal sealed class FactBatcher(FactRouter router, PipelineTracker tracker, IActorRef objects)
{
    /// <summary>Facts held before they go out without waiting for <see cref="Flush"/>.</summary>
    public const int MaxHeld = 256;

    private readonly Dictionary<(string Cluster, string Uid), Group> _groups = new(ObjectKeyComparer.Instance);
    private readonly Stack<Group> _spare = new();
    private int _held;

    /// <summary>Routes a fact: to the batch of its actor, or at once when it does not go to an object actor.</summary>
    public void Add(IFact fact) => router.Route(fact, this);

    /// <summary>Sends everything held.</summary>
    public void Flush()
    {
        if (_held == 0) return;
        foreach (var ((cluster, uid), g) in _groups)
        {
            tracker.Route(objects, g.Facts.Count == 1
                ? FactRouter.Message(cluster, uid, g.Target, g.Facts[0].Fact, g.Facts[0].Path)
                : new FactBatch(cluster, uid, g.Target, [.. g.Facts]));
            g.Facts.Clear();
            g.Target = null;
            _spare.Push(g);
        }
        _groups.Clear();
        _held = 0;
    }

    /// <summary>Holds a fact for object (cluster, uid); <paramref name="target"/> with a path: how the sender knows it.</summary>
    internal void Hold(string cluster, string uid, ObjectRef? target, IFact fact, ImmutableArray<string> path)
    {
        if (!_groups.TryGetValue((cluster, uid), out var g))
        {
            g = _spare.Count > 0 ? _spare.Pop() : new Group();
            _groups.Add((cluster, uid), g);
        }
        g.Target ??= target;
        g.Facts.Add(new CarriedFact(fact, path));
        if (++_held >= MaxHeld) Flush();
    }

    private sealed class Group
    {
        public List<CarriedFact> Facts { get; } = new(4);

        public ObjectRef? Target { get; set; }
    }
}
