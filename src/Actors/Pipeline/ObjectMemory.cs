using System.Collections.Immutable;

namespace KSpanActors.Pipeline;

/// <summary>
/// What this process remembers about objects beyond the lifetime of their actors (an actor is passivated when idle and
/// recreated by a late event): owned by the object actors (<see cref="ObjectState"/>) and, for routes, read by the
/// <see cref="FactRouter"/>. Bounded; thread-safe.
/// </summary>
internal sealed class ObjectMemory(TimeSpan nameRetention)
{
    /// <summary>
    /// The latest snapshot of each object seen within the name-retention period (at most 2 x 250,000; the instances the
    /// actors hold anyway): an ObjectActor recreated after passivation starts from it.
    /// </summary>
    internal RecentCache<(string Cluster, string Uid), Model.ObjectObserved> Snapshots { get; } = new(250_000, nameRetention / 2, ObjectKeyComparer.Instance);

    /// <summary>
    /// Which top-level object each object's facts end up at, as the top-level actors told their children (TopIs):
    /// lets a source send an object's ordinary events straight to the actor that assembles them, one sharded hop
    /// instead of two. Only a shortcut: a miss takes the normal path. Bounded.
    /// </summary>
    public RouteCache Routes { get; } = new(nameRetention);

    /// <summary>
    /// Objects whose own actor this process's sources sent facts to (an event about it whose way up was unknown, a
    /// controller action, a fact relayed to an owner whose snapshot was not seen yet): that actor may hold facts waiting
    /// for the object's snapshot, so the snapshot must go there too. An object never addressed (a pod whose snapshot
    /// comes before its events, as it mostly does) gets its first snapshot sent straight to its top-level object, and its
    /// own actor is not started at all. Bounded like <see cref="Snapshots"/>; an actor that misses its snapshot finds
    /// it in <see cref="Snapshots"/> when it starts or settles.
    /// </summary>
    private readonly RecentCache<(string Cluster, string Uid), bool> _addressed = new(250_000, nameRetention / 2, ObjectKeyComparer.Instance);

    /// <summary>Notes that facts went to the object's own actor (see <see cref="WasAddressed"/>); true the first time.</summary>
    public bool MarkAddressed(string cluster, string uid)
    {
        if (_addressed.TryGet((cluster, uid), out _)) return false;
        _addressed.Set((cluster, uid), true);
        return true;
    }

    /// <summary>Whether this process's sources sent facts to the object's own actor (recently).</summary>
    public bool WasAddressed(string cluster, string uid) => _addressed.TryGet((cluster, uid), out _);

    /// <summary>
    /// Root spans this process exported, so an ObjectActor recreated after passivation by a late event does not export
    /// its trace's root a second time. Roots are few (one per change); entries expire after a day.
    /// </summary>
    public EmittedRoots ExportedRoots { get; } = new();

    /// <summary>
    /// Keeps a snapshot unless a newer one of the same object is held (a higher generation or resourceVersion wins, as
    /// in the object's actor): the sources record what they route, so this process can tell where an object's facts
    /// end up (<see cref="TryResolveTop"/>) whichever replica's actor holds the object.
    /// </summary>
    /// <returns>Whether a snapshot of the object was held already (this one is not its first seen here).</returns>
    public bool Remember(Model.ObjectObserved o)
    {
        var seen = Snapshots.TryGet((o.Cluster, o.Uid), out var known);
        if (seen && o.Generation <= known!.Generation && o.ResourceVersion < known.ResourceVersion) return true;
        Snapshots.Set((o.Cluster, o.Uid), o);
        return seen;
    }

    /// <summary>
    /// Where a fact of object <paramref name="uid"/> goes when its chain of owners is known from snapshots: up the
    /// owner references to the first object that has no owner, or whose snapshot this process has not seen (that object
    /// relays it on, as the owners in between would have). <paramref name="path"/> names the objects skipped, starting
    /// with <paramref name="uid"/>, exactly as the relays would have built it. False when the object's own snapshot is
    /// unknown, when it has no owner (its own actor is the target), or on a cycle or a chain deeper than
    /// <paramref name="maxDepth"/> (the relays handle those): the caller takes the normal path.
    /// </summary>
    public bool TryResolveTop(
        string cluster, string uid, int maxDepth, out string targetUid, out Tracing.ObjectRef target, out ImmutableArray<string> path) =>
        TryResolveTop(cluster, uid, maxDepth, out targetUid, out target, out path, out _);

    /// <inheritdoc cref="TryResolveTop(string,string,int,out string,out Tracing.ObjectRef,out ImmutableArray{string})"/>
    /// <param name="targetIsTop">The target's own snapshot was seen and names no owner: a top-level object, not an owner
    /// whose snapshot is still to come.</param>
    public bool TryResolveTop(
        string cluster, string uid, int maxDepth, out string targetUid, out Tracing.ObjectRef target, out ImmutableArray<string> path,
        out bool targetIsTop)
    {
        targetUid = "";
        targetIsTop = false;
        target = default;
        path = default;
        if (!Snapshots.TryGet((cluster, uid), out var o) || OwnerOf(o) is not { } owner) return false;
        var skipped = _scratch ??= new List<string>(8);
        skipped.Clear();
        skipped.Add(uid);
        while (true)
        {
            if (skipped.Contains(owner.Uid) || skipped.Count >= maxDepth - 1) return false;
            var seen = Snapshots.TryGet((cluster, owner.Uid), out var next);
            if (!seen || OwnerOf(next!) is not { } above)
            {
                (targetUid, target, path) = (owner.Uid, owner.Ref, PathOf(skipped));
                targetIsTop = seen;
                return true;
            }
            skipped.Add(owner.Uid);
            owner = above;
        }
    }

    /// <summary>The objects a resolution walks through, one list per thread (the path is copied out of it).</summary>
    [ThreadStatic]
    private static List<string>? _scratch;

    /// <summary>Paths handed out lately, per thread, by the hash of the object they start at: a pod's events share one.</summary>
    [ThreadStatic]
    private static ImmutableArray<string>[]? _paths;

    private const int RecentPaths = 256;

    /// <summary>
    /// The path as an array: the one handed out last for the same objects when this thread still has it (an object's
    /// events come in tens; a new two-element array for each was 4 % of what the pipeline allocated), else a new one.
    /// Paths are immutable, so sharing one among facts is safe.
    /// </summary>
    private static ImmutableArray<string> PathOf(List<string> skipped)
    {
        var paths = _paths ??= new ImmutableArray<string>[RecentPaths];
        ref var slot = ref paths[(int)(OrdinalHash.Of(skipped[0]) & (RecentPaths - 1))];
        if (!slot.IsDefault && slot.Length == skipped.Count)
        {
            var same = true;
            for (var i = 0; i < skipped.Count && same; i++) same = string.Equals(slot[i], skipped[i], StringComparison.Ordinal);
            if (same) return slot;
        }
        return slot = ImmutableArray.Create(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(skipped));
    }

    /// <summary>The owner an object's facts go to, as its snapshot names it (the controller reference, else the first).</summary>
    public static (string Uid, Tracing.ObjectRef Ref)? OwnerOf(Model.ObjectObserved o) =>
        o.Owner is { } r ? (r.Uid, ObjectState.OwnerRefOf(r.Kind, o.Namespace, r.Name)) : null;
}
