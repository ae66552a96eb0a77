using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>The top-level actor of a fact's family tells the object the fact came from, so it sends there directly.</summary>
internal sealed record TopIs(string Cluster, string TargetUid, string TopUid, ObjectRef Top) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}
