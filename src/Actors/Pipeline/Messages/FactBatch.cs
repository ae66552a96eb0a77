using System.Collections.Immutable;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// Several facts for one object's actor, routed together (<see cref="FactBatcher"/>): what would have been as many
/// <see cref="Observe"/> (path empty) and <see cref="Propagate"/> messages (<paramref name="Target"/> is how their senders
/// know the object), one trip through the shard region instead of one per fact. Counts as that many tracked messages.
/// </summary>
internal sealed record FactBatch(string Cluster, string TargetUid, ObjectRef? Target, ImmutableArray<CarriedFact> Facts) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);

    public int Weight => Facts.Length;
}
