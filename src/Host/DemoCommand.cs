using System.CommandLine;
using KSpanActors.Export;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary><c>kspan-actors demo</c>: a simulated fleet through the whole pipeline, no cluster or backend needed.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var clusters = new Option<int>("--clusters") { Description = "Simulated clusters (demo-1, demo-2...).", DefaultValueFactory = _ => 1 };
        var deployments = new Option<int>("--deployments") { Description = "Deployments per cluster, each created and then rolled out.", DefaultValueFactory = _ => 2 };
        var replicas = new Option<int>("--replicas") { Description = "Pods per Deployment.", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed of uids and timings: the same seed gives the same traces.", DefaultValueFactory = _ => 1 };
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Keep streaming new rollouts in real time (times rebased to now), exporting each trace once it settles, until Ctrl+C.",
        };
        var rate = new Option<double>("--events-per-second")
        {
            Description = "With --follow: the pace of the stream.",
            DefaultValueFactory = _ => 20,
        };
        var httpPort = new Option<int?>("--http-port")
        {
            Description = "Serve /healthz, /readyz, /metrics and /summary on PORT, as watch does (default: none; KSpan__Http__Port).",
            HelpName = "PORT",
        };
        var export = new ExportOptions();
        var command = new Command("demo",
            "Play realistic Kubernetes activity (rollouts through two ReplicaSets with scheduler and kubelet events, a slow " +
            "image pull, a pod in CrashLoopBackOff, a StatefulSet pod recreated under the same name) through the pipeline and " +
            "print its traces. Ends by itself unless --follow is given.")
        {
            clusters, deployments, replicas, seed, follow, rate, httpPort,
        };
        export.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            new DemoScenario(Clusters: parse.GetValue(clusters), DeploymentsPerCluster: parse.GetValue(deployments), Replicas: parse.GetValue(replicas), Seed: parse.GetValue(seed)),
            parse.GetValue(follow), parse.GetValue(rate), parse.GetValue(httpPort), parse.GetValue(export.OtlpJson), parse.GetValue(export.Html), parse.GetValue(export.Quiet), parse.GetValue(export.Verbose),
            parse.GetValue(export.Summary), ct));
        return command;
    }

    private static async Task<int> RunAsync(DemoScenario scenario, bool follow, double rate, int? httpPortFlag, FileInfo? otlpJson, FileInfo? html, bool quiet, bool verbose, bool printSummary, CancellationToken ct)
    {
        using var loggers = HostSetup.Loggers(verbose);
        var log = loggers.CreateLogger("KSpanActors.Demo");
        if (scenario.Clusters < 1 || scenario.DeploymentsPerCluster < 0 || scenario.Replicas < 1 || rate <= 0)
        {
            log.LogError("demo: --clusters and --replicas must be at least 1, --deployments at least 0, --events-per-second positive");
            return 2;
        }
        var defaults = follow ? new PipelineSettings { SettleAfter = TimeSpan.FromSeconds(5), PassivateAfter = TimeSpan.FromMinutes(5) } : new PipelineSettings();
        var config = HostSetup.Configuration();
        var (settings, settingsError) = StartupSettings.Pipeline(config, defaults);
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        // Unlike watch, demo serves nothing unless asked (--http-port or KSpan__Http__Port).
        var (httpPort, httpAddress, httpError) = StartupSettings.Http(config, httpPortFlag, 0);
        if ((settingsError ?? limitError ?? httpError) is { } error)
        {
            log.LogError("{Error}", error);
            return ExitCodes.Usage;
        }
        var (targets, exportError) = Exporters.Build(otlpJson, quiet, loggers, sortAtEnd: !follow, html, follow ? "demo --follow" : "demo", printSummary);
        var exporters = targets.Exporters;
        if (exportError is not null)
        {
            log.LogError("{Error}", exportError);
            return ExitCodes.Usage;
        }
        if (targets.Destinations.Count == 0)
        {
            log.LogWarning("--quiet with no --otlp-json and no OTEL_EXPORTER_OTLP_ENDPOINT: {Where}",
                httpPort > 0 ? $"the spans only feed /metrics and /summary on port {httpPort}" : "the spans go nowhere");
        }
        PrometheusBridge? prometheus = null;
        Microsoft.AspNetCore.Builder.WebApplication? http = null;
        var probes = new HttpProbes();
        var generating = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        if (httpPort > 0)
        {
            Prometheus.Metrics.SuppressDefaultMetrics(new Prometheus.SuppressDefaultMetricOptions { SuppressMeters = true });
            prometheus = new PrometheusBridge();
            var spanMetrics = new SpanMetricsExporter();
            exporters.Add(spanMetrics);
            probes.Summary = new Export.Summary.LiveFleetSummary(DateTimeOffset.UtcNow);
            exporters.Add(new Export.Summary.LiveSummaryExporter(probes.Summary));
            (http, var bindError) = await HttpEndpoints.StartAsync(httpAddress, httpPort, probes, ct).ConfigureAwait(false);
            if (bindError is not null)
            {
                log.LogError("{Error}", bindError);
                prometheus.Dispose();
                foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            log.LogInformation("Serving /healthz, /readyz, /metrics and /summary on {Address}:{Port}", httpAddress, httpPort);
        }
        using var shutdown = ShutdownSignal.Listen(limit, log, ct);
        var decodeErrors = 0;
        var drained = true;
        PipelineMetrics metrics;
        try
        {
            await using var runtime = await PipelineRuntime.StartAsync(settings, exporters, loggers, cancellationToken: shutdown.Stopping).ConfigureAwait(false);
            metrics = runtime.Metrics;
            // A demo cluster is ready while its generator runs.
            var names = Enumerable.Range(1, scenario.Clusters).Select(DemoGenerator.ClusterName).ToList();
            probes.Alive = () => !runtime.System.WhenTerminated.IsCompleted;
            probes.NotReady = () => shutdown.Stopping.IsCancellationRequested ? "stopping" : generating.IsEmpty ? "generator not running" : null;
            probes.Clusters = () => names.Select(n => new KeyValuePair<string, bool>(n, generating.ContainsKey(n)));
            foreach (var n in names) generating[n] = true;
            try
            {
                if (!follow)
                {
                    foreach (var item in DemoGenerator.Generate(scenario))
                    {
                        if (KubeDecoder.TryDecode(item.Cluster, item.Document, out var fact, out _)) await runtime.FeedAsync(fact, shutdown.Stopping).ConfigureAwait(false);
                        else decodeErrors++;
                    }
                }
                else
                {
                    log.LogInformation("Streaming {Rate} events/s across {Clusters} cluster(s); traces appear {Settle} after their last event. Ctrl+C stops.",
                        rate, scenario.Clusters, settings.SettleAfter);
                    await foreach (var item in DemoPacer.StreamAsync(scenario, rate, rebaseTimesToNow: true, shutdown.Stopping).ConfigureAwait(false))
                    {
                        if (KubeDecoder.TryDecode(item.Cluster, item.Document, out var fact, out _)) runtime.Feed(fact);
                        else decodeErrors++;
                    }
                }
            }
            catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
            {
                // Stopped: what was fed is still exported.
            }
            generating.Clear();
            drained = await Stopping.DrainAsync(runtime, shutdown, log).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            log.LogInformation("Stopped by {Signal} before the pipeline started", shutdown.What);
            return ExitCodes.Ok;
        }
        finally
        {
            if (http is not null) await HttpEndpoints.StopAsync(http).ConfigureAwait(false);
            prometheus?.Dispose();
            foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
        }
        // The summary is the last line: after the pipeline stopped and the exporters closed.
        var m = metrics;
        var lastLine = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "Demo{0}: {1:N0} events, {2:N0} objects, {3} generator documents not decoded; {4}",
            shutdown.Stopping.IsCancellationRequested ? $" (stopped by {shutdown.What})" : "", m.Events, m.Objects, decodeErrors, Stopping.Outcome(m, targets, !drained));
        var code = decodeErrors > 0 ? ExitCodes.Failed : Stopping.ExitCode(m, !drained);
        return Stopping.Finish(log, lastLine, code);
    }
}
