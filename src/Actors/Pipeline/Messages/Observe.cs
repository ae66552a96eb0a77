using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>A source saw a fact about object <paramref name="Uid"/> (the object itself, or an Event about it).</summary>
internal sealed record Observe(string Cluster, string Uid, IFact Fact) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, Uid);
}
