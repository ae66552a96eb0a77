using System.CommandLine;

namespace KSpanActors.Host;

/// <summary>Flags every command that exports shares.</summary>
internal sealed class ExportOptions
{
    public Option<FileInfo?> OtlpJson { get; } = new("--otlp-json")
    {
        Description = "Also write every export batch to FILE as OTLP/JSON lines (one ExportTraceServiceRequest per line, " +
                      "the OpenTelemetry Collector file exporter's format); - writes them to stdout (the waterfall then goes to stderr).",
        HelpName = "FILE",
    };

    public Option<FileInfo?> Html { get; } = new("--html")
    {
        Description = "Also write the traces as one self-contained HTML report to FILE (opens offline in any browser: an index " +
                      "of the traces, sortable and searchable, and each trace's waterfall with its verdict). watch and " +
                      "demo --follow rewrite it as traces complete.",
        HelpName = "FILE",
    };

    public Option<bool> Summary { get; } = new("--summary")
    {
        Description = "After the traces, print where the time went: per cluster and namespace the changes, their p50/p95/max " +
                      "duration, each phase's share and the slowest trace ids (what the summary command prints).",
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Do not print the waterfall (logs and the summary still go to stderr). A replay needs --otlp-json, --html or an OTLP endpoint then.",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug details (which objects had no owner, every export).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(OtlpJson);
        command.Options.Add(Html);
        command.Options.Add(Summary);
        command.Options.Add(Quiet);
        command.Options.Add(Verbose);
    }
}
