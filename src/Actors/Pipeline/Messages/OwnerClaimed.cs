using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>The name index answers who created/deleted/scaled an object that is otherwise unknown.</summary>
internal sealed record OwnerClaimed(string Cluster, string TargetUid, string OwnerUid, ObjectRef Owner) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}
