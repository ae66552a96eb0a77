using System.CommandLine;
using KSpanActors.Export;
using KSpanActors.Pipeline;
using KSpanActors.Watch;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

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
        var watch = config.GetSection("KSpan:Watch").Get<WatchSettings>() ?? new WatchSettings();
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
        else if (config.GetSection("KSpan:Clusters").Get<ClusterSource[]>() is { Length: > 0 } configured)
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
}

/// <summary><c>kspan-actors watch</c>: the service operators deploy. Watches clusters until SIGTERM or Ctrl+C, then exports what it holds.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var clusterOptions = new ClusterOptions();
        var export = new ExportOptions();
        var httpPort = new Option<int?>("--http-port")
        {
            Description = "Port of /healthz, /readyz and /metrics (default 9090, KSpan__Http__Port; 0 turns them off).",
            HelpName = "PORT",
        };
        var command = new Command("watch",
            "Watch one or more Kubernetes clusters and export every rollout, job and pod change as a trace, live. " +
            "On SIGTERM or Ctrl+C exports what it holds and exits 0 (3 when spans had to be dropped), within 25 s " +
            "(KSpan__Shutdown__Deadline); a second signal exits at once.");
        clusterOptions.AddTo(command);
        command.Options.Add(httpPort);
        export.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(parse, clusterOptions, export, httpPort, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, ClusterOptions clusterOptions, ExportOptions export, Option<int?> httpPortOption, CancellationToken ct)
    {
        using var loggers = HostSetup.Loggers(parse.GetValue(export.Verbose));
        var log = loggers.CreateLogger("KSpanActors.Watch");
        var config = HostSetup.Configuration();
        var (clusters, watchSettings, error) = clusterOptions.Resolve(parse, config);
        if (error is not null)
        {
            log.LogError("watch: {Error}", error);
            return 2;
        }
        var (settings, settingsError) = HostSetup.PipelineSettings(config, new PipelineSettings { SettleAfter = TimeSpan.FromSeconds(5), PassivateAfter = TimeSpan.FromMinutes(30) });
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        if ((settingsError ?? limitError) is { } configError)
        {
            log.LogError("{Error}", configError);
            return ExitCodes.Usage;
        }
        var httpPort = parse.GetValue(httpPortOption) ?? config.GetValue("KSpan:Http:Port", 9090);
        var httpAddress = config["KSpan:Http:Address"] ?? "0.0.0.0";
        var (exporters, exportError) = Exporters.Build(parse.GetValue(export.OtlpJson), parse.GetValue(export.Quiet), loggers);
        if (exportError is not null)
        {
            log.LogError("{Error}", exportError);
            return ExitCodes.Usage;
        }
        // Our instruments go to /metrics through our bridge (prometheus-net's own .NET Meters adapter is turned off).
        Prometheus.Metrics.SuppressDefaultMetrics(new Prometheus.SuppressDefaultMetricOptions { SuppressMeters = true });
        using var prometheus = new PrometheusBridge();
        using var spanMetrics = new SpanMetricsExporter();
        exporters.Add(spanMetrics);

        // SIGTERM (Kubernetes stopping the pod) and Ctrl+C: the one shutdown path of every command.
        using var shutdown = ShutdownSignal.Listen(limit, log, ct);
        var alone = settings.SeedNodes.Count == 0;
        var catalog = new WatchCatalog(clusters, watchSettings, loggers)
        {
            EventRetention = config.GetValue("KSpan:Watch:EventRetention", TimeSpan.FromHours(3)),
        };
        PipelineMetrics metrics;
        var drained = true;
        string? systemStopped = null;
        try
        {
            await using var runtime = await PipelineRuntime.StartAsync(settings, exporters, loggers, watch: catalog, cancellationToken: shutdown.Stopping).ConfigureAwait(false);
            metrics = runtime.Metrics;
            Microsoft.AspNetCore.Builder.WebApplication? http = null;
            try
            {
                if (httpPort > 0)
                {
                    string? NotReady()
                    {
                        if (shutdown.Stopping.IsCancellationRequested) return "stopping";
                        var akka = Akka.Cluster.Cluster.Get(runtime.System);
                        if (akka.SelfMember.Status != Akka.Cluster.MemberStatus.Up) return $"not a cluster member yet ({akka.SelfMember.Status})";
                        var waiting = catalog.Status.NotReady();
                        if (waiting.Count > 0) return "waiting for the first list of: " + string.Join(", ", waiting);
                        // Alone, every configured cluster is watched here; with other replicas, some are watched elsewhere.
                        var missing = alone ? clusters.Select(c => c.Name).Except(catalog.Status.Started).ToList() : [];
                        return missing.Count > 0 ? "watchers not started yet: " + string.Join(", ", missing) : null;
                    }
                    http = await HttpEndpoints.StartAsync(httpAddress, httpPort, catalog.Status, () => !runtime.System.WhenTerminated.IsCompleted, NotReady, loggers, shutdown.Stopping).ConfigureAwait(false);
                    log.LogInformation("Serving /healthz, /readyz and /metrics on {Address}:{Port}", httpAddress, httpPort);
                }
                runtime.StartWatching(clusters.Select(c => c.Name));
                log.LogInformation("Watching {Count} cluster(s): {Clusters}", clusters.Count, string.Join(", ", clusters.Select(c => c.Name)));

                // Until a signal, or until the actor system stops by itself (this replica downed by the split-brain
                // resolver, or removed from the cluster): then there is nothing left to watch with.
                var signalled = Task.Delay(Timeout.Infinite, shutdown.Stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                await Task.WhenAny(signalled, runtime.System.WhenTerminated).ConfigureAwait(false);
                if (!shutdown.Stopping.IsCancellationRequested)
                {
                    systemStopped = Akka.Actor.CoordinatedShutdown.Get(runtime.System).ShutdownReason?.ToString() ?? "unknown reason";
                }
                else if (alone)
                {
                    // Alone: stop watching, export everything held, then leave.
                    runtime.StopWatching(clusters.Select(c => c.Name));
                    drained = await Stopping.DrainAsync(runtime, shutdown, log).ConfigureAwait(false);
                }
                // With other replicas, leaving is coordinated shutdown's job (on dispose): this replica's watchers restart
                // elsewhere (remember-entities), its ObjectActors hand their state on, its buffered spans are exported
                // (within FlushTimeout; what is left is dropped and counted).
            }
            finally
            {
                if (http is not null) await HttpEndpoints.StopAsync(http).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            log.LogInformation("Stopped by {Signal} while starting", shutdown.What);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
        }
        // The summary is the last line: after the pipeline stopped (and, with replicas, left the cluster) and the
        // exporters closed.
        var m = metrics;
        var counts = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "{0:N0} events, {1:N0} objects, {2:N0} watch restarts, {3:N0} relists; {4}",
            m.Events, m.Objects, m.WatchRestarts, m.Relists, Stopping.Spans(m, !drained));
        if (systemStopped is not null)
        {
            return Stopping.Finish(log, $"Stopped: the actor system stopped by itself ({systemStopped}); {counts}", ExitCodes.Failed);
        }
        return Stopping.Finish(log, $"Stopped by {shutdown.What}: {counts}", Stopping.ExitCode(m, !drained));
    }
}
