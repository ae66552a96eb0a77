using System.Collections.Immutable;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// A child hands a fact up to its owner <paramref name="TargetUid"/>, which it knows as <paramref name="Target"/>.
/// <paramref name="Path"/> lists the uids the fact already passed through (owner cycles are cut with it).
/// </summary>
internal sealed record Propagate(string Cluster, string TargetUid, ObjectRef Target, IFact Fact, ImmutableArray<string> Path) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}
