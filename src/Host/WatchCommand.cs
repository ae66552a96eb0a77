using System.CommandLine;
using KSpanActors.Export;
using KSpanActors.Pipeline;
using KSpanActors.Watch;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary><c>kspan-actors watch</c>: the service operators deploy. Watches clusters until SIGTERM or Ctrl+C, then exports what it holds.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var clusterOptions = new ClusterOptions();
        var export = new ExportOptions();
        var httpPort = new Option<int?>("--http-port")
        {
            Description = "Port of /healthz, /readyz, /metrics and /summary (this replica's fleet summary) (default 9090, KSpan__Http__Port; 0 turns them off).",
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
        var (settings, settingsError) = StartupSettings.Pipeline(config, new PipelineSettings { SettleAfter = TimeSpan.FromSeconds(5), PassivateAfter = TimeSpan.FromMinutes(30) });
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        var (httpPort, httpAddress, httpError) = StartupSettings.Http(config, parse.GetValue(httpPortOption), 9090);
        var (eventRetention, retentionError) = StartupSettings.Bind(() => config.GetValue("KSpan:Watch:EventRetention", TimeSpan.FromHours(3)));
        if ((settingsError ?? limitError ?? httpError ?? retentionError) is { } configError)
        {
            log.LogError("{Error}", configError);
            return ExitCodes.Usage;
        }
        var (targets, exportError) = Exporters.Build(parse.GetValue(export.OtlpJson), parse.GetValue(export.Quiet), loggers, html: parse.GetValue(export.Html), source: "watch");
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
        // Our instruments go to /metrics through our bridge (prometheus-net's own .NET Meters adapter is turned off).
        Prometheus.Metrics.SuppressDefaultMetrics(new Prometheus.SuppressDefaultMetricOptions { SuppressMeters = true });
        using var prometheus = new PrometheusBridge();
        using var spanMetrics = new SpanMetricsExporter();
        exporters.Add(spanMetrics);

        // The port first: a port already taken (9090 is Prometheus's own) is a usage error, said before anything starts.
        var probes = new HttpProbes();
        Microsoft.AspNetCore.Builder.WebApplication? http = null;
        if (httpPort > 0)
        {
            // /summary: the traces this replica exports, kept in bounded memory.
            probes.Summary = new Export.Summary.LiveFleetSummary(DateTimeOffset.UtcNow);
            exporters.Add(new Export.Summary.LiveSummaryExporter(probes.Summary));
            (http, var bindError) = await HttpEndpoints.StartAsync(httpAddress, httpPort, probes, ct).ConfigureAwait(false);
            if (bindError is not null)
            {
                log.LogError("{Error}", bindError);
                foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            log.LogInformation("Serving /healthz, /readyz, /metrics and /summary on {Address}:{Port}", httpAddress, httpPort);
        }

        // SIGTERM (Kubernetes stopping the pod) and Ctrl+C: the one shutdown path of every command.
        using var shutdown = ShutdownSignal.Listen(limit, log, ct);
        var alone = settings.SeedNodes.Count == 0;
        var catalog = new WatchCatalog(clusters, watchSettings, loggers) { EventRetention = eventRetention };
        PipelineMetrics metrics;
        var drained = true;
        string? systemStopped = null;
        try
        {
            await using var runtime = await PipelineRuntime.StartAsync(settings, exporters, loggers, watch: catalog, cancellationToken: shutdown.Stopping).ConfigureAwait(false);
            metrics = runtime.Metrics;
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
            probes.Alive = () => !runtime.System.WhenTerminated.IsCompleted;
            probes.NotReady = NotReady;
            probes.Clusters = () => ClusterReadiness(clusters.Select(c => c.Name), catalog.Status);

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
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            log.LogInformation("Stopped by {Signal} while starting", shutdown.What);
            return ExitCodes.Ok;
        }
        finally
        {
            if (http is not null) await HttpEndpoints.StopAsync(http).ConfigureAwait(false);
            foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
        }
        // The summary is the last line: after the pipeline stopped (and, with replicas, left the cluster) and the
        // exporters closed.
        var m = metrics;
        var counts = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "{0:N0} events, {1:N0} objects, {2:N0} watch restarts, {3:N0} relists; {4}",
            m.Events, m.Objects, m.WatchRestarts, m.Relists, Stopping.Outcome(m, targets, !drained));
        if (systemStopped is not null)
        {
            return Stopping.Finish(log, $"Stopped: the actor system stopped by itself ({systemStopped}); {counts}", ExitCodes.Failed);
        }
        return Stopping.Finish(log, $"Stopped by {shutdown.What}: {counts}", Stopping.ExitCode(m, !drained));
    }

    /// <summary>kspan_cluster_ready: a cluster is ready when its watcher runs on this replica and every resource it watches has listed.</summary>
    internal static IEnumerable<KeyValuePair<string, bool>> ClusterReadiness(IEnumerable<string> clusters, WatchStatus status)
    {
        var notReady = status.NotReady().ToHashSet(StringComparer.Ordinal);
        var started = status.Started.ToHashSet(StringComparer.Ordinal);
        return [.. clusters.Select(c => new KeyValuePair<string, bool>(c, started.Contains(c) && !notReady.Contains(c)))];
    }
}
