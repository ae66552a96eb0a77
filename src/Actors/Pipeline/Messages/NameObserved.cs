using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>An object exists under this name (for Events that name it without a uid).</summary>
internal sealed record NameObserved(string Cluster, ObjectRef Name, string Uid, long CreatedNs) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}
