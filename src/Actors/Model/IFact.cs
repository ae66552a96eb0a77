namespace KSpanActors.Model;

/// <summary>
/// What a source (replay, watch, demo) knows about Kubernetes, as small immutable records.
/// KubernetesClient models never leave the source: they become one of these at the boundary.
/// Times are Unix nanoseconds (UTC); 0 means unknown.
/// </summary>
internal interface IFact
{
    string Cluster { get; }

    /// <summary>When this fact happened; replays feed facts in this order.</summary>
    long TimeNs { get; }
}
