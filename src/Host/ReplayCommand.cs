using System.CommandLine;
using System.Diagnostics;
using KSpanActors.Ingest;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary><c>kspan-actors replay PATH</c>: a recording through the whole pipeline, everything flushed at the end.</summary>
internal static class ReplayCommand
{
    public static Command Create() => Create("replay", "Replay recorded Kubernetes activity and print (and export) its traces. Exits 0 when anything could be read.", summaryOnly: false);

    /// <summary><c>kspan-actors summary PATH</c>: the replay, printing only where the fleet lost time (replay --quiet --summary).</summary>
    public static Command CreateSummary() => Create("summary",
        "Replay recorded Kubernetes activity and print where the time went: per cluster and namespace, the changes, their " +
        "p50/p95/max duration, the share of each phase and the slowest trace ids. Same input and flags as replay.", summaryOnly: true);

    private static Command Create(string name, string description, bool summaryOnly)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A kspan capture (multi-document YAML with '# {\"time\":...}' headers), a Kubernetes List in JSON or " +
                          "YAML (kubectl get events,pods,rs,deploy -o json), or a folder of such files (a support bundle's cluster-resources/).",
        };
        var cluster = new Option<string>("--cluster-name")
        {
            Description = "The k8s.cluster.name of every span (and part of every trace id).",
            DefaultValueFactory = _ => "replay",
            HelpName = "NAME",
        };
        var shuffle = new Option<int?>("--shuffle-seed")
        {
            Description = "Feed the input in a random order drawn from SEED instead of event-time order (to check that trees do not depend on order).",
            HelpName = "SEED",
        };
        var export = new ExportOptions();
        var command = new Command(name, description)
        {
            path, cluster, shuffle,
        };
        export.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(path)!, parse.GetValue(cluster)!, parse.GetValue(shuffle),
            parse.GetValue(export.OtlpJson), parse.GetValue(export.Html), summaryOnly || parse.GetValue(export.Quiet), parse.GetValue(export.Verbose),
            summaryOnly || parse.GetValue(export.Summary), ct));
        return command;
    }

    private static async Task<int> RunAsync(string path, string cluster, int? shuffleSeed, FileInfo? otlpJson, FileInfo? html, bool quiet, bool verbose, bool printSummary, CancellationToken ct)
    {
        using var loggers = HostSetup.Loggers(verbose);
        var log = loggers.CreateLogger("KSpanActors.Replay");
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            log.LogError("replay: {Path} does not exist", path);
            return 2;
        }
        if (cluster.Length == 0 || cluster.Contains('/', StringComparison.Ordinal))
        {
            log.LogError("--cluster-name {Cluster}: a cluster name must be non-empty and must not contain '/'", cluster);
            return 2;
        }
        var config = HostSetup.Configuration();
        var (settings, settingsError) = StartupSettings.Pipeline(config, new PipelineSettings());
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        if ((settingsError ?? limitError ?? StartupSettings.Exports(otlpJson, quiet, requireDestination: true, html, printSummary)) is { } error)
        {
            log.LogError("{Error}", error);
            return ExitCodes.Usage;
        }
        using var shutdown = ShutdownSignal.Listen(limit, log, ct);

        var clock = Stopwatch.StartNew();
        var input = ReplayLoader.Load(path, cluster, log);
        if (input.Facts.Count == 0)
        {
            log.LogError("replay: nothing could be read from {Path} ({Documents} documents, {Problems} problems)", path, input.Documents, input.Problems);
            return ExitCodes.Failed;
        }
        var facts = input.Facts;
        if (shuffleSeed is { } seed)
        {
            facts = [.. facts];
            new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(facts));
        }

        var (targets, exportError) = Exporters.Build(otlpJson, quiet, loggers, sortAtEnd: true, html, $"replay {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}", printSummary);
        var exporters = targets.Exporters;
        if (exportError is not null)
        {
            log.LogError("{Error}", exportError);
            return ExitCodes.Usage;
        }
        var fed = 0;
        var drained = true;
        PipelineMetrics metrics;
        try
        {
            await using var runtime = await PipelineRuntime.StartAsync(settings, exporters, loggers, cancellationToken: shutdown.Stopping).ConfigureAwait(false);
            metrics = runtime.Metrics;
            runtime.Metrics.AddDecodeErrors(input.Problems);
            try
            {
                foreach (var fact in facts)
                {
                    await runtime.FeedAsync(fact, shutdown.Stopping).ConfigureAwait(false);
                    fed++;
                }
            }
            catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
            {
                // Stopped early: what was fed is still exported.
            }
            drained = await Stopping.DrainAsync(runtime, shutdown, log).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            log.LogInformation("Stopped by {Signal} before the pipeline started: nothing replayed", shutdown.What);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var e in exporters) await e.DisposeAsync().ConfigureAwait(false);
        }
        // The summary is the last line: after the pipeline stopped and the exporters closed.
        var m = metrics;
        var stoppedEarly = fed < facts.Count ? $" (stopped by {shutdown.What} after {fed:N0} of {facts.Count:N0} facts)" : "";
        var lastLine = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "Replayed {0} as cluster {1}{2}: {3:N0} events and {4:N0} objects from {5} documents in {6} files ({7} skipped); " +
            "{8} objects without a known owner, {9} owner cycles cut; {10:F1}s; {11}",
            path, cluster, stoppedEarly, m.Events, m.Objects, input.Documents, input.Files, input.Problems, m.Orphans, m.OwnerCycles,
            clock.Elapsed.TotalSeconds, Stopping.Outcome(m, targets, !drained));
        return Stopping.Finish(log, lastLine, Stopping.ExitCode(m, !drained));
    }
}
