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
    internal RecentCache<(string Cluster, string Uid), Model.ObjectObserved> Snapshots { get; } = new(250_000, nameRetention / 2);

    /// <summary>
    /// Which top-level object each object's facts end up at, as the top-level actors told their children (TopIs):
    /// lets a source send an object's ordinary events straight to the actor that assembles them, one sharded hop
    /// instead of two. Only a shortcut: a miss takes the normal path. Bounded.
    /// </summary>
    public RouteCache Routes { get; } = new(nameRetention);

    /// <summary>
    /// Root spans this process exported, so an ObjectActor recreated after passivation by a late event does not export
    /// its trace's root a second time. Roots are few (one per change); entries expire after a day.
    /// </summary>
    public EmittedRoots ExportedRoots { get; } = new();
}
