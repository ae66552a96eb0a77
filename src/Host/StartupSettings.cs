using System.Globalization;
using System.Text.RegularExpressions;
using KSpanActors.Export.Otlp;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Configuration;

namespace KSpanActors.Host;

/// <summary>
/// Every check of a setting made at start-up, in one place: configuration values (appsettings.json, KSpan__*
/// variables), the OTEL_EXPORTER_OTLP_* variables, KSPAN_TRACE_URL, the HTTP port and the --otlp-json target.
/// Each error is one line naming the environment variable (and the appsettings.json key) and the bad value;
/// the commands print it and exit 2 (<see cref="ExitCodes.Usage"/>).
/// </summary>
internal static partial class StartupSettings
{
    /// <summary>The variable that sets a configuration key: <c>KSpan:Pipeline:SettleAfter</c> → <c>KSpan__Pipeline__SettleAfter</c>.</summary>
    public static string VariableOf(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>
    /// Runs a configuration binding; a value the binder cannot convert becomes one line naming its variable:
    /// <c>KSpan__Pipeline__SettleAfter='abc' is not a duration such as 00:00:05 (KSpan:Pipeline:SettleAfter in appsettings.json)</c>.
    /// </summary>
    public static (T? Value, string? Error) Bind<T>(Func<T> bind)
    {
        try
        {
            return (bind(), null);
        }
        catch (InvalidOperationException e) when (BinderError().Match(e.Message) is { Success: true } m)
        {
            return (default, BadValue(m.Groups["key"].Value, m.Groups["value"].Value, m.Groups["type"].Value));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            return (default, $"configuration: {e.Message}");
        }
    }

    internal static string BadValue(string key, string value, string type)
    {
        var what = type switch
        {
            _ when type.Contains("System.TimeSpan", StringComparison.Ordinal) => "a duration such as 00:00:05",
            _ when type.Contains("System.Int32", StringComparison.Ordinal) || type.Contains("System.Int64", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
            _ when type.Contains("System.Double", StringComparison.Ordinal) => "a number",
            _ when typeof(PipelineSettings).Assembly.GetType(type) is { IsEnum: true } e => $"one of {string.Join(", ", Enum.GetNames(e))}",
            _ => $"a valid {type}",
        };
        return $"{VariableOf(key)}='{value}' is not {what} ({key} in appsettings.json)";
    }

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex BinderError();

    /// <summary>
    /// The one way a configuration section becomes settings: the section bound over <paramref name="defaults"/> (a
    /// copy; keys not set keep their default), a key that is no setting of <typeparamref name="T"/> refused by name
    /// (a misspelt <c>KSpan__Pipeline__SettleAftr</c> would otherwise be ignored in silence), a value that does not
    /// convert named with its variable, then the settings' own checks. <paramref name="alsoKnown"/>: keys of the
    /// section read elsewhere.
    /// </summary>
    public static (T Value, string? Error) Section<T>(IConfiguration config, string path, T defaults, params string[] alsoKnown)
        where T : class, ISettings
    {
        var section = config.GetSection(path);
        var known = typeof(T).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Concat(alsoKnown).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = section.GetChildren().Select(c => c.Key).Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return (defaults, $"{string.Join(", ", unknown.Select(k => VariableOf($"{path}:{k}")))} is not a setting; the settings of {path} are {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }
        var (bound, error) = Bind(() =>
        {
            var copy = CopyOf(defaults);
            section.Bind(copy);
            return copy;
        });
        if (error is not null) return (defaults, error);
        var errors = bound!.Validate().ToList();
        return (bound, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    /// <summary>A shallow copy of a settings record (what <c>with { }</c> does), for the binder to write into.</summary>
    private static T CopyOf<T>(T value)
        where T : class => (T)typeof(T).GetMethod("<Clone>$")!.Invoke(value, null)!;

    /// <summary>The KSpan:Pipeline section over the given defaults; an error names the key.</summary>
    public static (PipelineSettings Settings, string? Error) Pipeline(IConfiguration config, PipelineSettings defaults)
    {
        var (settings, error) = Section(config, "KSpan:Pipeline", defaults);
        if (error is not null) return (defaults, error);
        // The final flush waits for an exporter as long as one OTLP request may take.
        if (config["KSpan:Pipeline:FlushTimeout"] is null && OtlpSettings.FromEnvironment() is { Timeout: var t } && t > TimeSpan.Zero)
        {
            settings = settings with { FlushTimeout = t };
        }
        return (settings, null);
    }

    /// <summary>
    /// Port and address of /healthz, /readyz and /metrics: the flag over <c>KSpan__Http__Port</c> over
    /// <paramref name="defaultPort"/>; 0 turns them off. Whether the port is free is found when binding it.
    /// </summary>
    public static (int Port, string Address, string? Error) Http(IConfiguration config, int? flag, int defaultPort)
    {
        var (configured, error) = Bind(() => config.GetValue<int?>("KSpan:Http:Port"));
        if (error is not null) return (0, "", error);
        var address = config["KSpan:Http:Address"] ?? "0.0.0.0";
        if (!System.Net.IPAddress.TryParse(address, out _))
        {
            return (0, "", $"KSpan__Http__Address='{address}' is not an IP address such as 0.0.0.0 or 127.0.0.1 (KSpan:Http:Address in appsettings.json)");
        }
        var port = flag ?? configured ?? defaultPort;
        if (port is < 0 or > 65535)
        {
            var source = flag is not null ? "--http-port" : "KSpan__Http__Port";
            return (0, "", $"{source} {port.ToString(CultureInfo.InvariantCulture)} is not a port: use 1-65535, or 0 to serve no /metrics");
        }
        return (port, address, null);
    }

    /// <summary>The one line said when the HTTP port cannot be bound (taken by another process, or not allowed).</summary>
    public static string HttpBindError(string address, int port, Exception e)
    {
        var taken = e is IOException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } }
            || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
        var why = taken ? "is already in use (9090 is also Prometheus's own port)" : $"cannot be served ({e.Message.ReplaceLineEndings(" ")})";
        return $"--http-port {port.ToString(CultureInfo.InvariantCulture)}: {address}:{port.ToString(CultureInfo.InvariantCulture)} {why}; choose another with --http-port or KSpan__Http__Port, or 0 for none";
    }

    /// <summary>
    /// The OTEL_EXPORTER_OTLP_* variables are checked whether or not an endpoint is set: a bad protocol, timeout or
    /// header list is a mistake even before the endpoint is added. Null when they are usable (or absent).
    /// </summary>
    public static string? Otlp() => Otlp(Environment.GetEnvironmentVariable);

    internal static string? Otlp(Func<string, string?> variable)
    {
        var endpointSet = !string.IsNullOrWhiteSpace(variable(OtlpSettings.EndpointVariable)) || !string.IsNullOrWhiteSpace(variable(OtlpSettings.TracesEndpointVariable));
        // Without an endpoint, resolve against a stand-in one so that the other variables go through the same checks.
        var settings = OtlpSettings.Resolve(new OpenTelemetry.Exporter.OtlpExporterOptions(),
            name => !endpointSet && name == OtlpSettings.EndpointVariable ? "http://localhost:4317" : variable(name));
        return settings?.Validate();
    }

    /// <summary>Environment variable of the link printed under each trace header: <c>http://localhost:16686/trace/{traceId}</c>.</summary>
    public const string TraceUrlVariable = "KSPAN_TRACE_URL";

    public const string TraceIdPlaceholder = "{traceId}";

    /// <summary><c>KSPAN_TRACE_URL</c>: null when unset; it must be an absolute http(s) URL containing <c>{traceId}</c>.</summary>
    public static (string? Template, string? Error) TraceUrl() => TraceUrl(Environment.GetEnvironmentVariable(TraceUrlVariable));

    internal static (string? Template, string? Error) TraceUrl(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return (null, null);
        value = value.Trim();
        if (!value.Contains(TraceIdPlaceholder, StringComparison.Ordinal))
        {
            return (null, $"{TraceUrlVariable}='{value}' has no {TraceIdPlaceholder} to replace, e.g. http://localhost:16686/trace/{TraceIdPlaceholder}");
        }
        var sample = value.Replace(TraceIdPlaceholder, new string('0', 32), StringComparison.Ordinal);
        if (!Uri.TryCreate(sample, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"{TraceUrlVariable}='{value}' is not an absolute http:// or https:// URL");
        }
        return (value, null);
    }

    /// <summary>The standard-output name of <c>--otlp-json</c>.</summary>
    public const string StandardOutput = "-";

    /// <summary><c>--otlp-json</c>: <c>-</c> (standard output) or a file that can be created; a directory is refused.</summary>
    public static string? OtlpJsonTarget(FileInfo? target)
    {
        if (target is null || IsStandardOutput(target)) return null;
        if (Directory.Exists(target.FullName))
        {
            return $"--otlp-json {target}: is a directory; name a file such as {Path.Combine(target.ToString(), "spans.jsonl")}, or - for standard output";
        }
        return null;
    }

    /// <summary><c>--html</c>: a file that can be created; a directory (or <c>-</c>) is refused.</summary>
    public static string? HtmlTarget(FileInfo? target)
    {
        if (target is null) return null;
        if (IsStandardOutput(target)) return "--html -: the report is a file; name one such as report.html";
        if (Directory.Exists(target.FullName))
        {
            return $"--html {target}: is a directory; name a file such as {Path.Combine(target.ToString(), "report.html")}";
        }
        return null;
    }

    /// <summary>
    /// What the exporters need, checked before any work: the OTLP variables, <c>--otlp-json</c>, <c>--html</c>,
    /// <c>KSPAN_TRACE_URL</c>; with <paramref name="requireDestination"/> (replay), <c>--quiet</c> with nothing else to
    /// export to is refused.
    /// </summary>
    public static string? Exports(FileInfo? otlpJson, bool quiet, bool requireDestination, FileInfo? html = null, bool summary = false)
    {
        if ((Otlp() ?? OtlpJsonTarget(otlpJson) ?? HtmlTarget(html) ?? TraceUrl().Error) is { } error) return error;
        if (requireDestination && quiet && otlpJson is null && html is null && !summary && OtlpSettings.FromEnvironment() is null)
        {
            return "--quiet with no --otlp-json FILE and no OTEL_EXPORTER_OTLP_ENDPOINT: the spans would go nowhere; " +
                   "leave out --quiet to see the waterfall, or give an exporter";
        }
        return null;
    }

    public static bool IsStandardOutput(FileInfo? target) => target is not null && target.ToString() == StandardOutput;
}
