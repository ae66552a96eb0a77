using KSpanActors.Pipeline;

namespace KSpanActors.Watch;

/// <summary>Routed to the ClusterWatcher of a cluster; entity id = cluster name.</summary>
internal interface IWatcherMessage : IKSpanMessage
{
    string Cluster { get; }
}
