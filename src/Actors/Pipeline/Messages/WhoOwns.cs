using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>An object of unknown owner asks who acted on it; answered with <see cref="OwnerClaimed"/> now or when known.</summary>
internal sealed record WhoOwns(string Cluster, ObjectRef Name, string AskerUid) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}
