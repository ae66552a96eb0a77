using System.CommandLine;

namespace KSpanActors.Host;

/// <summary>The kspan-actors command line: every subcommand, its flags and their help.</summary>
internal static class Cli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "KSpan Actors turns Kubernetes Events and objects into OpenTelemetry traces: one trace per change of a " +
            "top-level object (a rollout, a Job, a bare Pod), one span per event occurrence, linked by who caused what.\n\n" +
            "Exporters: a terminal waterfall (always, unless --quiet), OTLP/JSON lines (--otlp-json FILE), and OTLP " +
            "over gRPC or http/protobuf when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTEL_EXPORTER_OTLP_PROTOCOL, " +
            "OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT as usual).\n" +
            "Pipeline settings: appsettings.json section KSpan:Pipeline or KSpan__Pipeline__* environment variables.");
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }
}

/// <summary>Flags every command that exports shares.</summary>
internal sealed class ExportOptions
{
    public Option<FileInfo?> OtlpJson { get; } = new("--otlp-json")
    {
        Description = "Also write every export batch to FILE as OTLP/JSON lines (one ExportTraceServiceRequest per line, " +
                      "the OpenTelemetry Collector file exporter's format).",
        HelpName = "FILE",
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Do not print the waterfall (logs and the summary still go to stderr).",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug details (which objects had no owner, every export).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(OtlpJson);
        command.Options.Add(Quiet);
        command.Options.Add(Verbose);
    }
}
