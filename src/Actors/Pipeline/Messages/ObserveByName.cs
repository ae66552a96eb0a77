using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>An Event whose involved object has no uid (Flux): resolved to an object by kind, namespace and name.</summary>
internal sealed record ObserveByName(string Cluster, ObjectRef Name, EventObserved Event) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}
