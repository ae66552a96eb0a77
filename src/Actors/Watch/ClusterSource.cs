namespace KSpanActors.Watch;

/// <summary>One cluster to watch. Bound from KSpan:Clusters:N (KSpan__Clusters__0__Name, __Kubeconfig, __Context, __InCluster).</summary>
internal sealed record ClusterSource
{
    /// <summary>k8s.cluster.name of its spans; defaults to the context name (or "in-cluster"). Must not contain '/'.</summary>
    public string Name { get; init; } = "";

    /// <summary>Kubeconfig path; null: $KUBECONFIG or ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Kubeconfig context; null: the current context.</summary>
    public string? Context { get; init; }

    /// <summary>Use the pod's service account (KUBERNETES_SERVICE_HOST, the mounted token, which is re-read as it rotates).</summary>
    public bool InCluster { get; init; }
}
