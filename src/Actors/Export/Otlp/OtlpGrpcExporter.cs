using Grpc.Core;
using Grpc.Net.Client;
using KSpanActors.Model;
using Google.Protobuf;
using KSpanActors.Otlp.Proto.Collector;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Sends each batch as one OTLP <c>ExportTraceServiceRequest</c> over gRPC (h2c for http://, TLS verified for https://).
/// Returns false on any transport or server error; never logs header values (they carry tokens).
/// </summary>
/// <remarks>
/// The request goes out as the bytes <see cref="OtlpProtobuf"/> writes from the batch (a method of the same service
/// and name as the generated client's, whose request marshaller is that writer), not as a message built for it.
/// </remarks>
internal sealed class OtlpGrpcExporter : ISpanExporter
{
    private static readonly Method<IReadOnlyList<TraceSpans>, ExportTraceServiceResponse> Export = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        Marshallers.Create<IReadOnlyList<TraceSpans>>(OtlpProtobuf.ToBytes, _ => throw new NotSupportedException("an exporter only sends requests")),
        Marshallers.Create(response => response.ToByteArray(), ExportTraceServiceResponse.Parser.ParseFrom));

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _calls;
    private readonly Metadata _headers;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly string _endpoint;

    public OtlpGrpcExporter(OtlpSettings settings, ILogger logger)
    {
        _logger = logger;
        _timeout = settings.Timeout;
        _endpoint = settings.Endpoint.ToString();
        _headers = [];
        foreach (var (key, value) in settings.Headers)
        {
            _headers.Add(key.ToLowerInvariant(), value);
        }
        _channel = GrpcChannel.ForAddress(settings.Endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = settings.Timeout,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            },
            DisposeHttpClient = true,
        });
        _calls = _channel.CreateCallInvoker();
    }

    public string Name => "otlp-grpc";

    public string? LastError { get; private set; }

    public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        try
        {
            var options = new CallOptions(_headers, DateTime.UtcNow + _timeout, cancellationToken);
            var response = await _calls.AsyncUnaryCall(Export, null, options, batch).ResponseAsync;
            OtlpExportLog.PartialSuccess(_logger, _endpoint, response.PartialSuccess);
            LastError = null;
            return ExportOutcome.Ok;
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("OTLP export cancelled", ex, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (RpcException ex)
        {
            _logger.LogWarning("OTLP gRPC export to {Endpoint} failed: {StatusCode} {Detail}", _endpoint, ex.StatusCode, ex.Status.Detail);
            LastError = ex.StatusCode switch
            {
                StatusCode.Unavailable => $"OTLP endpoint {_endpoint} unreachable (Unavailable)",
                StatusCode.DeadlineExceeded => $"OTLP endpoint {_endpoint} did not answer within {_timeout.TotalSeconds:0.#} s",
                _ => $"OTLP endpoint {_endpoint} failed ({ex.StatusCode})",
            };
            // OTLP/gRPC: these codes may succeed later; any other will not.
            return ex.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.OutOfRange
                or StatusCode.Unavailable or StatusCode.DataLoss or StatusCode.ResourceExhausted
                ? ExportOutcome.Retryable
                : ExportOutcome.Permanent;
        }
        catch (Exception ex)
        {
            _logger.LogWarning("OTLP gRPC export to {Endpoint} failed: {Error}: {Message}", _endpoint, ex.GetType().Name, ex.Message);
            LastError = $"OTLP endpoint {_endpoint} failed ({ex.GetType().Name})";
            return ExportOutcome.Retryable;
        }
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
