using System.CommandLine;
using KSpanActors.Watch;
using Microsoft.Extensions.Configuration;

namespace KSpanActors.Host;

/// <summary>Flags shared by the commands that connect to clusters (watch, record).</summary>
internal sealed class ClusterOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).",
        HelpName = "PATH",
    };

    public Option<string[]> Contexts { get; } = new("--context")
    {
        Description = "A kubeconfig context to watch; repeat for several clusters. Each cluster is named after its context. " +
                      "Default: the clusters of KSpan:Clusters, else in-cluster config inside a pod, else the current context.",
        HelpName = "NAME",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> InCluster { get; } = new("--in-cluster") { Description = "Use the pod's service account (in-cluster config)." };

    public Option<string[]> Namespaces { get; } = new("--namespace", "-n") { Description = "Only this namespace; repeatable (default: all).", HelpName = "NS" };

    public Option<string[]> Exclude { get; } = new("--exclude-namespace") { Description = "Never this namespace; repeatable.", HelpName = "NS" };

    public Option<string?> Selector { get; } = new("--selector", "-l") { Description = "Label selector for the watched objects (Events are always watched).", HelpName = "SELECTOR" };

    public Option<string[]> Resources { get; } = new("--resource")
    {
        Description = "Also watch a custom resource, group/version/resource[:Kind] (e.g. argoproj.io/v1alpha1/rollouts:Rollout); repeatable.",
        HelpName = "GVR",
    };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Kubeconfig, Contexts, InCluster, Namespaces, Exclude, Selector, Resources }) command.Options.Add(o);
    }

    /// <summary>Clusters and watch settings from flags over configuration over defaults; an error names the setting.</summary>
    public (List<ClusterSource> Clusters, WatchSettings Watch, string? Error) Resolve(ParseResult parse, IConfiguration config)
    {
        var (bound, bindError) = StartupSettings.Section(config, "KSpan:Watch", new WatchSettings(), "EventRetention");
        if (bindError is not null) return ([], new WatchSettings(), bindError);
        var (configured, clustersError) = StartupSettings.Bind(() => config.GetSection("KSpan:Clusters").Get<ClusterSource[]>());
        if (clustersError is not null) return ([], new WatchSettings(), clustersError);
        var watch = bound;
        var ns = parse.GetValue(Namespaces) ?? [];
        var exclude = parse.GetValue(Exclude) ?? [];
        var resources = parse.GetValue(Resources) ?? [];
        watch = watch with
        {
            Namespaces = ns.Length > 0 ? ns : watch.Namespaces,
            ExcludeNamespaces = exclude.Length > 0 ? exclude : watch.ExcludeNamespaces,
            LabelSelector = parse.GetValue(Selector) ?? watch.LabelSelector,
            Resources = [.. watch.Resources, .. resources],
        };
        var errors = watch.Validate().ToList();
        if (errors.Count > 0) return ([], watch, string.Join("; ", errors));

        var kubeconfig = parse.GetValue(Kubeconfig);
        var contexts = parse.GetValue(Contexts) ?? [];
        List<ClusterSource> clusters;
        if (parse.GetValue(InCluster)) clusters = [new ClusterSource { Name = "in-cluster", InCluster = true }];
        else if (contexts.Length > 0) clusters = [.. contexts.Select(c => new ClusterSource { Name = c, Context = c, Kubeconfig = kubeconfig })];
        else if (configured is { Length: > 0 })
        {
            clusters = [.. configured.Select(c => c with { Kubeconfig = c.Kubeconfig ?? kubeconfig, Name = c.Name.Length > 0 ? c.Name : c.Context ?? (c.InCluster ? "in-cluster" : "default") })];
        }
        else if (kubeconfig is null && k8s.KubernetesClientConfiguration.IsInCluster()) clusters = [new ClusterSource { Name = "in-cluster", InCluster = true }];
        else
        {
            var path = kubeconfig ?? ClusterConnection.DefaultKubeconfig();
            string? current = null;
            try
            {
                current = File.Exists(path) ? k8s.KubernetesClientConfiguration.LoadKubeConfig(path).CurrentContext : null;
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException)
            {
                return ([], watch, $"--kubeconfig {path}: cannot read it ({e.Message})");
            }
            clusters = [new ClusterSource { Name = current ?? "default", Kubeconfig = path }];
        }

        foreach (var c in clusters)
        {
            if (c.Name.Length == 0 || c.Name.Contains('/', StringComparison.Ordinal)) return ([], watch, $"cluster name '{c.Name}' must be non-empty and must not contain '/'");
            if (UnknownContext(c) is { } unknown) return ([], watch, unknown);
            try
            {
                _ = ClusterConnection.BuildConfig(c);
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
            {
                return ([], watch, e.Message);
            }
        }
        var duplicate = clusters.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return ([], watch, $"cluster name '{duplicate.Key}' is used twice (KSpan:Clusters names must be unique)");
        return (clusters, watch, null);
    }

    /// <summary>A context the kubeconfig does not have: one line listing the ones it has. Null when found (or not checkable here).</summary>
    internal static string? UnknownContext(ClusterSource cluster)
    {
        if (cluster.InCluster || cluster.Context is null) return null;
        var path = cluster.Kubeconfig ?? ClusterConnection.DefaultKubeconfig();
        k8s.KubeConfigModels.K8SConfiguration kubeconfig;
        try
        {
            if (!File.Exists(path)) return null; // said by BuildConfig, naming the file
            kubeconfig = k8s.KubernetesClientConfiguration.LoadKubeConfig(path);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            return null;
        }
        var names = (kubeconfig.Contexts ?? []).Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToList();
        if (names.Contains(cluster.Context, StringComparer.Ordinal)) return null;
        var available = names.Count == 0 ? "it has no contexts" : "available: " + string.Join(", ", names);
        return $"context '{cluster.Context}' is not in {path}; {available}";
    }
}
