using System.Globalization;
using KSpanActors.Export;
using KSpanActors.Export.Html;
using KSpanActors.Export.Otlp;
using KSpanActors.Export.Waterfall;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

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
        FileInfo? otlpJson, bool quiet, ILoggerFactory loggers, bool sortAtEnd = false, FileInfo? html = null, string source = "kspan-actors",
        bool summary = false)
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
        if (summary)
        {
            // Written when the exporters close, after the waterfall: on stderr when stdout carries OTLP/JSON.
            targets.Add(new Export.Summary.SummaryExporter(jsonToStdout ? Console.Error : Console.Out), "in the summary");
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
