namespace KSpanActors.Pipeline;

/// <summary>Routed to the ObjectActor of (cluster, uid); entity id "cluster/uid".</summary>
internal interface IObjectMessage : IKSpanMessage, ITracked
{
    string EntityId { get; }
}
