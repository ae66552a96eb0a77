using System.CommandLine;
using System.Text.RegularExpressions;

namespace KSpanActors.Host;

/// <summary>The kspan-actors command line: every subcommand, its flags and their help.</summary>
internal static partial class Cli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "KSpan Actors turns Kubernetes Events and objects into OpenTelemetry traces: one trace per change of a " +
            "top-level object (a rollout, a Job, a bare Pod), one span per event occurrence, linked by who caused what.\n\n" +
            "Exporters: a terminal waterfall (always, unless --quiet), OTLP/JSON lines (--otlp-json FILE), an HTML report " +
            "(--html FILE), and OTLP " +
            "over gRPC or http/protobuf when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTEL_EXPORTER_OTLP_PROTOCOL, " +
            "OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT as usual).\n" +
            "Pipeline settings: appsettings.json section KSpan:Pipeline or KSpan__Pipeline__* environment variables.");
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ReplayCommand.CreateSummary());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs. Wrong arguments (an unknown flag or command, a value of the wrong type, a missing argument)
    /// print one line to stderr and exit 2, instead of System.CommandLine's error list followed by the help (exit 1).
    /// <c>--help</c> and <c>--version</c> work as usual.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            (error ?? Console.Error).WriteLine(UsageError(parse));
            return Task.FromResult(ExitCodes.Usage);
        }
        // ProcessTerminationTimeout stays null: System.CommandLine then registers no signal handler of its own (in
        // 2.0.0 it is null by default, whatever its documentation says). Every command stops on SIGINT/SIGTERM through
        // ShutdownSignal.
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);
    }

    /// <summary>The first parse error as one line, with where to find help: <c>kspan-actors demo: --clusters 'abc' is not a whole number (see kspan-actors demo --help)</c>.</summary>
    internal static string UsageError(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = command is RootCommand ? "kspan-actors" : "kspan-actors " + command.Name;
        // An unknown token explains the other errors (a misspelt command also leaves the command missing).
        var first = parse.Errors.FirstOrDefault(e => UnknownToken().IsMatch(e.Message)) ?? parse.Errors[0];
        string message;
        var conversion = ConversionError().Match(first.Message);
        if (conversion.Success)
        {
            message = $"{conversion.Groups["name"].Value} '{conversion.Groups["value"].Value}' is not {TypeText(conversion.Groups["type"].Value)}";
        }
        else if (command is RootCommand)
        {
            var commands = string.Join(", ", command.Subcommands.Select(c => c.Name));
            message = UnknownToken().Match(first.Message) is { Success: true } unknown && !unknown.Groups["token"].Value.StartsWith('-')
                ? $"unknown command '{unknown.Groups["token"].Value}' (commands: {commands})"
                : UnknownToken().Match(first.Message) is { Success: true } option
                    ? $"unknown option '{option.Groups["token"].Value}' (commands: {commands})"
                    : $"a command is needed: {commands}";
        }
        else if (UnknownToken().Match(first.Message) is { Success: true } m)
        {
            message = $"unknown option or argument '{m.Groups["token"].Value}'";
        }
        else if (MissingValue().Match(first.Message) is { Success: true } missing)
        {
            message = missing.Groups["what"].Value == "option"
                ? $"{missing.Groups["name"].Value} needs a value"
                : $"{string.Join(" ", command.Arguments.Select(a => a.Name))} is missing";
        }
        else
        {
            message = first.Message.ReplaceLineEndings(" ").TrimEnd('.');
        }
        return $"{path}: {message} (see {path} --help)";
    }

    private static string TypeText(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "a whole number",
        "System.Double" or "System.Nullable`1[System.Double]" => "a number",
        "System.Boolean" => "true or false",
        _ => $"a valid {type.Replace("System.", "", StringComparison.Ordinal)}",
    };

    [GeneratedRegex(@"Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex ConversionError();

    [GeneratedRegex(@"Required argument missing for (?<what>option|command): '(?<name>[^']*)'")]
    private static partial Regex MissingValue();

    [GeneratedRegex(@"Unrecognized command or argument '(?<token>.*)'")]
    private static partial Regex UnknownToken();
}
