using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>An event of <paramref name="OwnerUid"/> says it created, deleted or scaled the named object.</summary>
internal sealed record ClaimName(string Cluster, ObjectRef Name, string OwnerUid, ObjectRef Owner) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}
