using System.Globalization;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary>How a command that exported spans ends: exporting what is held (bounded after a signal), and the last line.</summary>
internal static class Stopping
{
    /// <summary>
    /// End of input, or a signal: waits until everything held is exported (<see cref="PipelineRuntime.DrainAsync(CancellationToken)"/>).
    /// After a signal this is bounded by <see cref="ShutdownSignal.ExportDeadline"/>: past it, what the SpanEmitter
    /// still holds is dropped and counted, and false is returned (what the actors held was not exported either).
    /// </summary>
    public static async Task<bool> DrainAsync(PipelineRuntime runtime, ShutdownSignal shutdown, ILogger log)
    {
        try
        {
            await runtime.DrainAsync(shutdown.ExportDeadline).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (shutdown.ExportDeadline.IsCancellationRequested)
        {
            log.LogError("{Budget} s after {Signal}, not everything held was exported: what is still buffered is dropped",
                (int)shutdown.ExportBudget.TotalSeconds, shutdown.What);
            await runtime.FlushAsync(TimeSpan.Zero, null, CancellationToken.None).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>"12 spans exported, 0 dropped", or "0 spans exported, 1,234 dropped (OTLP endpoint ... unreachable)".</summary>
    public static string Spans(PipelineMetrics m, bool drainCut = false)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{m.SpansExported:N0} spans exported, {m.SpansDropped:N0} dropped");
        var why = new List<string>(m.DropReasons);
        if (drainCut) why.Add("the shutdown deadline passed before everything held was exported");
        return why.Count == 0 ? text : $"{text} ({string.Join("; ", why)})";
    }

    /// <summary>
    /// What happened to the spans, for the last line: <c>19 spans exported, 0 dropped — 19 drawn in the terminal, 19
    /// written to spans.jsonl</c>; <c>every span was dropped: 0 spans exported, 19 dropped (otlp-grpc: ...) — 0 sent to
    /// http://127.0.0.1:4317/</c>; or that they went nowhere.
    /// </summary>
    public static string Outcome(PipelineMetrics m, ExportTargets targets, bool drainCut = false)
    {
        var spans = Spans(m, drainCut);
        if (targets.Destinations.Count == 0) return $"{spans}; {targets.Describe()}";
        var every = m.SpansDropped > 0 && m.SpansExported == 0 ? "every span was dropped: " : "";
        return $"{every}{spans} — {targets.Describe()}";
    }

    /// <summary>0 when every span was exported, <see cref="ExitCodes.SpansDropped"/> when any was dropped or the export was cut short.</summary>
    public static int ExitCode(PipelineMetrics m, bool drainCut = false) => m.SpansDropped > 0 || drainCut ? ExitCodes.SpansDropped : ExitCodes.Ok;

    /// <summary>Logs the summary as the last line: information when the exit code is 0, an error otherwise (saying the code).</summary>
    public static int Finish(ILogger log, string summary, int exitCode)
    {
        if (exitCode == ExitCodes.Ok) log.LogInformation("{Summary}", summary);
        else log.LogError("{Summary}; exit code {ExitCode}", summary, exitCode);
        return exitCode;
    }
}
