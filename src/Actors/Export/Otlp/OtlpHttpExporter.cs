using System.Net.Http.Headers;
using Google.Protobuf;
using KSpanActors.Model;
using KSpanActors.Otlp.Proto.Collector;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Sends each batch as one OTLP <c>ExportTraceServiceRequest</c> over http/protobuf (POST application/x-protobuf
/// to <see cref="OtlpSettings.TracesUri"/>) or http/json (POST application/json, the body written by
/// <see cref="OtlpJson"/>: hex ids, integer enums, as the OTLP/HTTP specification asks). Returns false on any
/// transport or server error; never logs header values.
/// </summary>
internal sealed class OtlpHttpExporter : ISpanExporter
{
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly ILogger _logger;
    private readonly bool _json;
    private readonly string _protocol;

    public OtlpHttpExporter(OtlpSettings settings, ILogger logger)
    {
        _logger = logger;
        _json = settings.Protocol == OtlpProtocol.HttpJson;
        _protocol = _json ? "http/json" : "http/protobuf";
        _uri = settings.TracesUri;
        _headers = settings.Headers;
        _http = new HttpClient(
            new SocketsHttpHandler
            {
                ConnectTimeout = settings.Timeout,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                AllowAutoRedirect = false,
            },
            disposeHandler: true)
        {
            Timeout = settings.Timeout,
        };
    }

    public string Name => _json ? "otlp-http-json" : "otlp-http";

    public string? LastError { get; private set; }

    public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        try
        {
            var body = _json
                ? new ByteArrayContent(OtlpJson.ToLine(batch))
                : new ByteArrayContent(OtlpProtobuf.ToBytes(batch));
            body.Headers.ContentType = _json ? Json : Protobuf;
            using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = body };
            foreach (var (key, value) in _headers)
            {
                request.Headers.TryAddWithoutValidation(key, value);
            }
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                _logger.LogWarning("OTLP {Protocol} export to {Endpoint} failed: HTTP {StatusCode}", _protocol, _uri, (int)response.StatusCode);
                LastError = $"OTLP endpoint {_uri} failed (HTTP {(int)response.StatusCode})";
                // OTLP/HTTP: 429, 502, 503 and 504 may succeed later; any other error status will not.
                return (int)response.StatusCode is 429 or 502 or 503 or 504 ? ExportOutcome.Retryable : ExportOutcome.Permanent;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (bytes.Length > 0 && response.Content.Headers.ContentType?.MediaType == Protobuf.MediaType)
            {
                try
                {
                    OtlpExportLog.PartialSuccess(_logger, _uri.ToString(), ExportTraceServiceResponse.Parser.ParseFrom(bytes).PartialSuccess);
                }
                catch (InvalidProtocolBufferException)
                {
                    // The spans were accepted (2xx); an unreadable answer changes nothing.
                }
            }
            LastError = null;
            return ExportOutcome.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var what = ex is TaskCanceledException ? "timed out" : ex.GetType().Name + ": " + ex.Message;
            _logger.LogWarning("OTLP {Protocol} export to {Endpoint} failed: {Error}", _protocol, _uri, what);
            LastError = ex switch
            {
                TaskCanceledException => $"OTLP endpoint {_uri} did not answer within {_http.Timeout.TotalSeconds:0.#} s",
                HttpRequestException => $"OTLP endpoint {_uri} unreachable ({ex.Message})",
                _ => $"OTLP endpoint {_uri} failed ({ex.GetType().Name})",
            };
            return ExportOutcome.Retryable;
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
