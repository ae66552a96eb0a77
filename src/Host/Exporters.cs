using System.Globalization;
using KSpanActors.Export;
using KSpanActors.Export.Html;
using KSpanActors.Export.Otlp;
using KSpanActors.Export.Waterfall;
using KSpanActors.Model;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary>The exporters a command asked for, each counted, so that the last line can say where the spans went.</summary>
internal sealed class ExportTargets
{
    public List<ISpanExporter> Exporters { get; } = [];

    public List<CountingExporter> Destinations { get; } = [];

    /// <summary>"19 drawn in the terminal, 19 written to spans.jsonl, 0 sent to http://collector:4317/"; or that they went nowhere.</summary>
    public string Describe() => Destinations.Count == 0
        ? "they went nowhere (--quiet, no --otlp-json, no OTEL_EXPORTER_OTLP_ENDPOINT)"
        : string.Join(", ", Destinations.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Spans:N0} {d.Where}")));

    internal void Add(ISpanExporter exporter, string where)
    {
        var counted = new CountingExporter(exporter, where);
        Exporters.Add(counted);
        Destinations.Add(counted);
    }
}

/// <summary>Counts the spans an exporter took (the pipeline counts a span as exported once every exporter took it).</summary>
internal sealed class CountingExporter(ISpanExporter inner, string where) : ISpanExporter
{
    private long _spans;

    public string Name => inner.Name;

    /// <summary>What happened to the spans it took: "drawn in the terminal", "written to spans.jsonl"...</summary>
    public string Where => where;

    public long Spans => Interlocked.Read(ref _spans);

    public string? LastError => inner.LastError;

    public async Task<bool> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        var ok = await inner.ExportAsync(batch, cancellationToken).ConfigureAwait(false);
        if (ok)
        {
            var n = 0;
            foreach (var t in batch) n += t.Spans.IsDefault ? 0 : t.Spans.Length;
            Interlocked.Add(ref _spans, n);
        }
        return ok;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>Writes OTLP/JSON lines to a writer it does not own (standard output for <c>--otlp-json -</c>; UTF-8, see Program).</summary>
internal sealed class OtlpJsonStreamExporter(TextWriter writer) : ISpanExporter
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "otlp-json";

    public async Task<bool> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return true;
        var line = OtlpJson.ToJson(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(line + "\n").ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return false; // the reader went away (closed pipe)
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Builds the exporters a command asked for. A configuration error is returned as one message naming the setting.</summary>
internal static class Exporters
{
    /// <summary>Environment variable of the waterfall's width (as shells set it); otherwise the terminal's, and unlimited without one.</summary>
    public const string ColumnsVariable = "COLUMNS";

    /// <summary>A live HTML report (watch, demo --follow) is rewritten at most this often, and keeps at most <see cref="LiveReportTraces"/> traces.</summary>
    public static readonly TimeSpan LiveReportEvery = TimeSpan.FromSeconds(5);

    public const int LiveReportTraces = 20_000;

    /// <param name="sortAtEnd">A finite command (replay, demo): draw every trace at the end, by start time.</param>
    /// <param name="html"><c>--html FILE</c>: written at the end of a finite command, rewritten while a live one runs.</param>
    /// <param name="source">What the HTML report says it shows (<c>replay capture.yaml</c>).</param>
    public static (ExportTargets Targets, string? Error) Build(
        FileInfo? otlpJson, bool quiet, ILoggerFactory loggers, bool sortAtEnd = false, FileInfo? html = null, string source = "kspan-actors")
    {
        var targets = new ExportTargets();
        if ((StartupSettings.Otlp() ?? StartupSettings.OtlpJsonTarget(otlpJson) ?? StartupSettings.HtmlTarget(html)) is { } error) return (targets, error);
        var (traceUrl, urlError) = StartupSettings.TraceUrl();
        if (urlError is not null) return (targets, urlError);

        var jsonToStdout = StartupSettings.IsStandardOutput(otlpJson);
        if (!quiet)
        {
            // With --otlp-json -, standard output carries the OTLP/JSON lines only: the waterfall goes to stderr.
            var writer = jsonToStdout ? Console.Error : Console.Out;
            var redirected = jsonToStdout ? Console.IsErrorRedirected : Console.IsOutputRedirected;
            var options = new WaterfallOptions
            {
                Color = !redirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")),
                Width = WaterfallWidth(Environment.GetEnvironmentVariable(ColumnsVariable), redirected, SafeWindowWidth),
                TraceUrl = traceUrl,
                SortAtEnd = sortAtEnd,
            };
            targets.Add(new WaterfallExporter(writer, options), jsonToStdout ? "drawn on stderr" : "drawn in the terminal");
        }
        if (jsonToStdout)
        {
            targets.Add(new OtlpJsonStreamExporter(Console.Out), "written to stdout");
        }
        else if (otlpJson is not null)
        {
            try
            {
                otlpJson.Directory?.Create();
                targets.Add(new OtlpJsonFileExporter(otlpJson.FullName), $"written to {otlpJson}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (targets, $"--otlp-json {otlpJson}: cannot write the file ({e.Message})");
            }
        }
        if (html is not null)
        {
            try
            {
                var options = sortAtEnd
                    ? new HtmlReportOptions { Source = source }
                    : new HtmlReportOptions { Source = source, RewriteEvery = LiveReportEvery, MaxTraces = LiveReportTraces };
                targets.Add(new HtmlReportExporter(html.FullName, options, loggers.CreateLogger("KSpanActors.Export.Html")), $"in the HTML report {html}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (targets, $"--html {html}: cannot write the file ({e.Message})");
            }
        }
        var otlp = OtlpSettings.FromEnvironment();
        if (otlp is not null)
        {
            if (otlp.Validate() is { } otlpError) return (targets, otlpError);
            targets.Add(OtlpExporterFactory.Create(otlp, loggers), $"sent to {otlp.TracesUri}");
            loggers.CreateLogger("KSpanActors.Export").LogInformation("Exporting OTLP ({Protocol}) to {Endpoint}", otlp.Protocol, otlp.TracesUri);
        }
        return (targets, null);
    }

    /// <summary>
    /// <c>COLUMNS</c> when set to a number (at least 40); else the terminal's width; else (output to a file or a pipe,
    /// no terminal) <see cref="WaterfallOptions.Unlimited"/>: nothing is cut.
    /// </summary>
    internal static int WaterfallWidth(string? columns, bool redirected, Func<int> terminalWidth)
    {
        if (int.TryParse(columns, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c > 0) return Math.Max(40, c);
        if (redirected) return WaterfallOptions.Unlimited;
        var width = terminalWidth();
        return width > 0 ? Math.Max(40, width) : WaterfallOptions.Unlimited;
    }

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
