using System.CommandLine;
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
        var export = new ExportOptions();
        var command = new Command("demo",
            "Play realistic Kubernetes activity (rollouts through two ReplicaSets with scheduler and kubelet events, a slow " +
            "image pull, a pod in CrashLoopBackOff, a StatefulSet pod recreated under the same name) through the pipeline and " +
            "print its traces. Ends by itself unless --follow is given.")
        {
            clusters, deployments, replicas, seed, follow, rate,
        };
        export.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            new DemoScenario(Clusters: parse.GetValue(clusters), DeploymentsPerCluster: parse.GetValue(deployments), Replicas: parse.GetValue(replicas), Seed: parse.GetValue(seed)),
            parse.GetValue(follow), parse.GetValue(rate), parse.GetValue(export.OtlpJson), parse.GetValue(export.Quiet), parse.GetValue(export.Verbose), ct));
        return command;
    }

    private static async Task<int> RunAsync(DemoScenario scenario, bool follow, double rate, FileInfo? otlpJson, bool quiet, bool verbose, CancellationToken ct)
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
        var (settings, settingsError) = HostSetup.PipelineSettings(config, defaults);
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        if ((settingsError ?? limitError) is { } error)
        {
            log.LogError("{Error}", error);
            return ExitCodes.Usage;
        }
        var (exporters, exportError) = Exporters.Build(otlpJson, quiet, loggers);
        if (exportError is not null)
        {
            log.LogError("{Error}", exportError);
            return ExitCodes.Usage;
        }
        using var shutdown = ShutdownSignal.Listen(limit, log, ct);
        var decodeErrors = 0;
        var drained = true;
        PipelineMetrics metrics;
        try
        {
            await using var runtime = await PipelineRuntime.StartAsync(settings, exporters, loggers, cancellationToken: shutdown.Stopping).ConfigureAwait(false);
            metrics = runtime.Metrics;
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
            drained = await Stopping.DrainAsync(runtime, shutdown, log).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            log.LogInformation("Stopped by {Signal} before the pipeline started", shutdown.What);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
        }
        // The summary is the last line: after the pipeline stopped and the exporters closed.
        var m = metrics;
        var summary = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "Demo{0}: {1:N0} events, {2:N0} objects, {3} generator documents not decoded; {4}",
            shutdown.Stopping.IsCancellationRequested ? $" (stopped by {shutdown.What})" : "", m.Events, m.Objects, decodeErrors, Stopping.Spans(m, !drained));
        var code = decodeErrors > 0 ? ExitCodes.Failed : Stopping.ExitCode(m, !drained);
        return Stopping.Finish(log, summary, code);
    }
}
