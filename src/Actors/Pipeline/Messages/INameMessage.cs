namespace KSpanActors.Pipeline;

/// <summary>Routed to the NameIndex bucket of (cluster, kind, namespace, name); entity id "cluster/#bucket".</summary>
internal interface INameMessage : IKSpanMessage, ITracked
{
    string EntityId { get; }
}
