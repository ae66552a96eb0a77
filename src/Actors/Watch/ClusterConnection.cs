using k8s;

namespace KSpanActors.Watch;

/// <summary>
/// How to reach one cluster: builds a <see cref="KubeApi"/> from the kubeconfig (or the in-cluster service account)
/// and rebuilds it when asked, re-reading the credentials (an expired token, a rotated certificate).
/// </summary>
internal sealed class ClusterConnection : IDisposable
{
    private readonly object _gate = new();
    private KubeApi _api;

    public ClusterConnection(ClusterSource source)
    {
        Source = source;
        _api = new KubeApi(BuildConfig(source));
    }

    public ClusterSource Source { get; }

    internal KubeApi Api
    {
        get
        {
            lock (_gate) return _api;
        }
    }

    public Uri Server => Api.BaseUri;

    /// <summary>Re-reads the configuration and credentials; the previous client is disposed once replaced.</summary>
    public void Refresh()
    {
        KubeApi fresh;
        try
        {
            fresh = new KubeApi(BuildConfig(Source));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            return; // keep the old one; the loop backs off and asks again
        }
        KubeApi old;
        lock (_gate)
        {
            old = _api;
            _api = fresh;
        }
        // Requests in flight on the old client finish or fail on their own; dispose it a little later.
        _ = Task.Delay(TimeSpan.FromMinutes(1)).ContinueWith(_ => old.Dispose(), TaskScheduler.Default);
    }

    /// <summary>
    /// Builds the client configuration, throwing a message that names the cluster and the setting when it cannot
    /// (unreadable kubeconfig, unknown context). TLS is verified unless the kubeconfig itself says otherwise.
    /// </summary>
    public static KubernetesClientConfiguration BuildConfig(ClusterSource source)
    {
        if (source.InCluster)
        {
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                throw new k8s.Exceptions.KubeConfigException($"cluster '{source.Name}': InCluster is set but this process does not run in a pod (no KUBERNETES_SERVICE_HOST or service account token)");
            }
            return KubernetesClientConfiguration.InClusterConfig();
        }
        var path = source.Kubeconfig ?? DefaultKubeconfig();
        if (!File.Exists(path))
        {
            throw new k8s.Exceptions.KubeConfigException($"cluster '{source.Name}': kubeconfig {path} does not exist (set --kubeconfig, KUBECONFIG or KSpan__Clusters__N__Kubeconfig)");
        }
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, source.Context);
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            throw new k8s.Exceptions.KubeConfigException($"cluster '{source.Name}': kubeconfig {path}{(source.Context is null ? "" : $" context '{source.Context}'")}: {e.Message}");
        }
    }

    public static string DefaultKubeconfig()
    {
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env)) return env.Split(Path.PathSeparator)[0];
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }

    public void Dispose() => Api.Dispose();
}
