using System.Globalization;
using OpenTelemetry.Exporter;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Where and how to send spans over OTLP, read from the standard variables (we invent no parallel ones):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (grpc | http/protobuf | http/json), <c>OTEL_EXPORTER_OTLP_HEADERS</c> (k=v,k2=v2),
/// <c>OTEL_EXPORTER_OTLP_TIMEOUT</c> (milliseconds), and the <c>OTEL_EXPORTER_OTLP_TRACES_*</c> forms of the last three.
/// </summary>
/// <param name="Endpoint">The base endpoint, or the full traces URL when <paramref name="TracesEndpointIsSignalSpecific"/>.</param>
/// <param name="TracesEndpointIsSignalSpecific">The endpoint came from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and is used as is.</param>
internal sealed record OtlpSettings(
    Uri Endpoint,
    OtlpProtocol Protocol,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    TimeSpan Timeout,
    bool TracesEndpointIsSignalSpecific)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpointVariable = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string TracesProtocolVariable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    public const string HeadersVariable = "OTEL_EXPORTER_OTLP_HEADERS";
    public const string TracesHeadersVariable = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
    public const string TimeoutVariable = "OTEL_EXPORTER_OTLP_TIMEOUT";
    public const string TracesTimeoutVariable = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";

    /// <summary>A problem found while reading the environment (a value the OpenTelemetry options would silently ignore).</summary>
    public string? EnvironmentError { get; init; }

    /// <summary>The URL requests go to: over HTTP (protobuf or JSON) the base endpoint + <c>/v1/traces</c> unless signal-specific.</summary>
    public Uri TracesUri =>
        Protocol is OtlpProtocol.HttpProtobuf or OtlpProtocol.HttpJson && !TracesEndpointIsSignalSpecific && Endpoint.IsAbsoluteUri
            ? new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/v1/traces")
            : Endpoint;

    /// <summary>Header names only, for logs: header values carry tokens and are never logged.</summary>
    public string HeaderNames => string.Join(",", Headers.Select(h => h.Key));

    /// <summary>
    /// Null unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. Protocol, headers and
    /// timeout are read through OpenTelemetry's <see cref="OtlpExporterOptions"/> (whose constructor reads the standard
    /// variables); the endpoints and the traces-specific variables, which its public constructor does not read, here.
    /// </summary>
    public static OtlpSettings? FromEnvironment()
    {
        var endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        var tracesEndpoint = Environment.GetEnvironmentVariable(TracesEndpointVariable);
        if (string.IsNullOrWhiteSpace(endpoint) && string.IsNullOrWhiteSpace(tracesEndpoint)) return null;
        return Resolve(new OtlpExporterOptions(), Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// Combines what <paramref name="options"/> read with the raw variables (for the traces-specific ones and to
    /// notice values the options ignored). Null when no endpoint variable is set.
    /// </summary>
    public static OtlpSettings? Resolve(OtlpExporterOptions options, Func<string, string?> variable)
    {
        var rawEndpoint = Blank(variable(EndpointVariable));
        var rawTracesEndpoint = Blank(variable(TracesEndpointVariable));
        if (rawEndpoint is null && rawTracesEndpoint is null) return null;

        var errors = new List<string>();

        // Endpoint: the traces-specific URL is used as is, else OTEL_EXPORTER_OTLP_ENDPOINT. Read from the variable
        // itself: the options take it when it is an absolute URI (the same value) but silently fall back to
        // localhost for anything else, which Validate must be able to report.
        var signalSpecific = rawTracesEndpoint is not null;
        var endpoint = ParseUri(rawTracesEndpoint ?? rawEndpoint!);

        var protocol = options.Protocol == OtlpExportProtocol.HttpProtobuf ? OtlpProtocol.HttpProtobuf : OtlpProtocol.Grpc;
        CheckProtocol(ProtocolVariable, ref protocol);
        CheckProtocol(TracesProtocolVariable, ref protocol);

        var headers = ParseHeaders(options.Headers);
        if (Blank(variable(TracesHeadersVariable)) is { } tracesHeaders) headers = ParseHeaders(tracesHeaders);

        var timeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds);
        CheckTimeout(TimeoutVariable, ref timeout);
        CheckTimeout(TracesTimeoutVariable, ref timeout);

        return new OtlpSettings(endpoint, protocol, headers, timeout, signalSpecific)
        {
            EnvironmentError = errors.Count == 0 ? null : string.Join("; ", errors),
        };

        void CheckProtocol(string name, ref OtlpProtocol value)
        {
            if (Blank(variable(name)) is not { } raw) return;
            if (ParseProtocol(raw) is { } parsed) value = parsed;
            else errors.Add($"{name}='{raw}' is not a supported protocol (grpc, http/protobuf, http/json)");
        }

        void CheckTimeout(string name, ref TimeSpan value)
        {
            if (Blank(variable(name)) is not { } raw) return;
            if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0) value = TimeSpan.FromMilliseconds(ms);
            else errors.Add($"{name}='{raw}' is not a positive number of milliseconds");
        }
    }

    /// <summary>The OTLP protocol names of the specification; null for anything else.</summary>
    public static OtlpProtocol? ParseProtocol(string? value)
    {
        var v = value?.Trim();
        if (string.Equals(v, "grpc", StringComparison.OrdinalIgnoreCase)) return OtlpProtocol.Grpc;
        if (string.Equals(v, "http/protobuf", StringComparison.OrdinalIgnoreCase)) return OtlpProtocol.HttpProtobuf;
        if (string.Equals(v, "http/json", StringComparison.OrdinalIgnoreCase)) return OtlpProtocol.HttpJson;
        return null;
    }

    /// <summary>
    /// W3C-baggage-like list "k=v,k2=v2": keys and values trimmed, values URL-decoded; entries without '=' or with
    /// an empty key are skipped.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseHeaders(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return [];
        var result = new List<KeyValuePair<string, string>>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            var key = entry[..eq].Trim();
            if (key.Length == 0) continue;
            result.Add(new(key, Uri.UnescapeDataString(entry[(eq + 1)..].Trim())));
        }
        return result;
    }

    /// <summary>Null when the settings can be used, else a message naming the variable to fix.</summary>
    public string? Validate()
    {
        if (EnvironmentError is not null) return EnvironmentError;
        var endpointVariable = TracesEndpointIsSignalSpecific ? TracesEndpointVariable : EndpointVariable;
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            return $"{endpointVariable}='{Endpoint.OriginalString}' must be an absolute http:// or https:// URL";
        }
        if (string.IsNullOrEmpty(Endpoint.Host))
        {
            return $"{endpointVariable}='{Endpoint.OriginalString}' has no host";
        }
        if (Timeout <= TimeSpan.Zero)
        {
            return $"{TimeoutVariable} must be a positive number of milliseconds";
        }
        foreach (var (key, _) in Headers)
        {
            if (key.Any(c => c <= ' ' || c >= 127 || c == ':'))
            {
                return $"{HeadersVariable}: header name '{key}' is not a valid HTTP header name";
            }
        }
        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>An absolute URI when the text is one, else a relative one that <see cref="Validate"/> rejects.</summary>
    private static Uri ParseUri(string raw)
    {
        if (Uri.TryCreate(raw, UriKind.Absolute, out var absolute)) return absolute;
        if (Uri.TryCreate(raw, UriKind.Relative, out var relative)) return relative;
        return new Uri(Uri.EscapeDataString(raw), UriKind.Relative);
    }
}
