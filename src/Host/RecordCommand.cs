using System.CommandLine;
using System.Globalization;
using KSpanActors.Watch;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary><c>kspan-actors record</c>: writes what it watches as a kspan capture, replayable by <c>replay</c> (for bug reports).</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var clusterOptions = new ClusterOptions();
        var duration = new Option<string>("--duration")
        {
            Description = "How long to record: 90s, 10m, 1h (Ctrl+C or SIGTERM stops earlier and keeps what was recorded).",
            DefaultValueFactory = _ => "10m",
            HelpName = "DURATION",
        };
        var output = new Option<FileInfo>("--out", "-o")
        {
            Description = "The capture file to write (multi-document YAML with '# {\"time\":...}' headers).",
            DefaultValueFactory = _ => new FileInfo("capture.yaml"),
            HelpName = "FILE",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug details." };
        var command = new Command("record", "Record what the clusters do (objects as listed, then every watch event) into a capture file that `replay` reads.")
        {
            duration, output, verbose,
        };
        clusterOptions.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(parse, clusterOptions, parse.GetValue(duration)!, parse.GetValue(output)!, parse.GetValue(verbose), ct));
        return command;
    }

    /// <summary>"90s", "10m", "1h", "500ms", or a TimeSpan ("00:10:00").</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string Suffix, double Factor)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0
                && !(suffix == "s" && text.EndsWith("ms", StringComparison.Ordinal)))
            {
                value = TimeSpan.FromSeconds(n * factor);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;
    }

    private static async Task<int> RunAsync(ParseResult parse, ClusterOptions clusterOptions, string durationText, FileInfo output, bool verbose, CancellationToken ct)
    {
        using var loggers = HostSetup.Loggers(verbose);
        var log = loggers.CreateLogger("KSpanActors.Record");
        if (!TryParseDuration(durationText, out var duration))
        {
            log.LogError("--duration {Duration}: not a duration (use 90s, 10m, 1h)", durationText);
            return ExitCodes.Usage;
        }
        var config = HostSetup.Configuration();
        var (clusters, watch, error) = clusterOptions.Resolve(parse, config);
        if (error is not null)
        {
            log.LogError("record: {Error}", error);
            return ExitCodes.Usage;
        }
        var (limit, limitError) = ShutdownSignal.LimitFrom(config);
        if (limitError is not null)
        {
            log.LogError("{Error}", limitError);
            return ExitCodes.Usage;
        }
        CaptureWriter writer;
        try
        {
            output.Directory?.Create();
            writer = new CaptureWriter(output.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError("--out {Path}: cannot write the file ({Error})", output.FullName, e.Message);
            return ExitCodes.Usage;
        }

        var finished = true;
        using (writer)
        {
            // SIGTERM or Ctrl+C ends the recording early (the one shutdown path of every command); what was recorded is kept.
            using var shutdown = ShutdownSignal.Listen(limit, log, ct, "keeping what was recorded");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Stopping);
            stop.CancelAfter(duration);
            var connections = new List<ClusterConnection>();
            var loops = new List<Task>();
            try
            {
                foreach (var cluster in clusters)
                {
                    var connection = new ClusterConnection(cluster);
                    connections.Add(connection);
                    loops.Add(RecordClusterAsync(connection, watch, writer, loggers.CreateLogger("KSpanActors.Watch"), stop.Token));
                }
                log.LogInformation("Recording {Clusters} for {Duration} into {Path}", string.Join(", ", clusters.Select(c => c.Name)), duration, output.FullName);
                await Task.WhenAll(loops).WaitAsync(shutdown.ExportDeadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.ExportDeadline.IsCancellationRequested)
            {
                log.LogError("The watch loops did not stop within {Budget} s of {Signal}", (int)shutdown.ExportBudget.TotalSeconds, shutdown.What);
                finished = false;
            }
            finally
            {
                foreach (var c in connections) c.Dispose();
            }
            writer.Flush();
            var how = shutdown.Stopping.IsCancellationRequested ? $" (stopped by {shutdown.What})" : "";
            var summary = $"Recorded {writer.Documents} documents into {output.FullName}{how}; replay it with: kspan-actors replay {output.FullName}";
            return Stopping.Finish(log, summary, finished ? ExitCodes.Ok : ExitCodes.Failed);
        }
    }

    private static async Task RecordClusterAsync(ClusterConnection connection, WatchSettings settings, CaptureWriter writer, ILogger log, CancellationToken ct)
    {
        var name = connection.Source.Name;
        var resources = new List<WatchedResource> { WatchedResource.CoreEvents };
        resources.AddRange(WatchedResource.Objects);
        foreach (var extra in settings.Resources)
        {
            if (WatchedResource.TryParse(extra, out var r, out _)) resources.Add(r!);
        }
        IReadOnlyList<string?> namespaces = settings.Namespaces.Count == 0 ? [null] : [.. settings.Namespaces];
        var failures = new WatchFailureLog(name, log);
        var loops = resources.SelectMany(r => namespaces.Select(ns =>
            new ResourceWatchLoop(name, r, ns, settings.LabelSelector, settings, () => connection.Api, connection.Refresh, writer, log, failures).RunAsync(ct)));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }
}
