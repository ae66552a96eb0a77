using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using KSpanActors.Otlp.Proto.Collector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Google.Protobuf;

namespace KSpanActors.Tests.FakeKube;

/// <summary>What the receiver got: the request, its transport ("grpc" or "http") and its headers (lowercase names).</summary>
public sealed record ReceivedExport(string Transport, ExportTraceServiceRequest Request, IReadOnlyDictionary<string, string> Headers);

/// <summary>How an <see cref="OtlpTestReceiver"/> behaves.</summary>
public sealed record OtlpReceiverOptions
{
    /// <summary>Keep every accepted request (<see cref="OtlpTestReceiver.Requests"/>). Off: count only, for loads whose
    /// requests would not fit in memory (the benchmark).</summary>
    public bool KeepRequests { get; init; } = true;

    /// <summary>Largest request accepted over gRPC (null: no limit). gRPC's default is 4 MB.</summary>
    public int? MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;
}

/// <summary>
/// An OTLP trace receiver for tests and the benchmark on 127.0.0.1 with ephemeral ports: gRPC TraceService on an
/// HTTP/2-only (h2c) endpoint, POST /v1/traces (http/protobuf) on an HTTP/1.1 endpoint. Records every accepted request
/// (unless <see cref="OtlpReceiverOptions.KeepRequests"/> is off) and counts spans, event-occurrence spans (those with
/// a <c>k8s.event.uid</c> attribute) and distinct event-occurrence span ids per <c>k8s.cluster.name</c>, so a span
/// exported twice shows up instead of counting as progress. <see cref="FailNext"/> makes the next calls answer
/// UNAVAILABLE / HTTP 503 (not recorded).
/// </summary>
public sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedExport> _received = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Dictionary<string, HashSet<ulong>> _eventSpansByCluster = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly OtlpReceiverOptions _options;
    private WebApplication? _app;
    private int _spanCount;
    private long _requestCount;
    private long _eventSpans;
    private long _distinctEventSpans;
    private int _failNext;
    private int _failedCalls;

    private OtlpTestReceiver(OtlpReceiverOptions options)
    {
        _options = options;
    }

    public Uri GrpcEndpoint { get; private set; } = null!;

    public Uri HttpEndpoint { get; private set; } = null!;

    /// <summary>The http/protobuf traces URL (<see cref="HttpEndpoint"/> + /v1/traces).</summary>
    public Uri HttpTracesUri => new(HttpEndpoint, "/v1/traces");

    public IReadOnlyList<ReceivedExport> Received => [.. _received];

    public IReadOnlyList<ExportTraceServiceRequest> Requests => [.. _received.Select(r => r.Request)];

    public IReadOnlyList<IReadOnlyDictionary<string, string>> RequestHeaders => [.. _received.Select(r => r.Headers)];

    public int SpanCount => Volatile.Read(ref _spanCount);

    /// <summary>Requests accepted (kept or not).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>Event-occurrence spans received, duplicates included.</summary>
    public long EventSpans => Interlocked.Read(ref _eventSpans);

    /// <summary>Distinct event-occurrence spans (span id per cluster).</summary>
    public long DistinctEventSpans => Interlocked.Read(ref _distinctEventSpans);

    /// <summary>Distinct event-occurrence spans per <c>k8s.cluster.name</c>.</summary>
    public IReadOnlyDictionary<string, int> DistinctEventSpansByCluster
    {
        get
        {
            lock (_lock) return _eventSpansByCluster.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal);
        }
    }

    /// <summary>Whether an event-occurrence span with this id arrived for <paramref name="cluster"/> (<c>k8s.cluster.name</c>).</summary>
    public bool HasEventSpan(string cluster, ulong spanId)
    {
        lock (_lock) return _eventSpansByCluster.TryGetValue(cluster, out var ids) && ids.Contains(spanId);
    }

    /// <summary>Calls answered with a failure because of <see cref="FailNext"/>.</summary>
    public int FailedCalls => Volatile.Read(ref _failedCalls);

    /// <summary>When set, the next successful answers carry a partial success rejecting this many spans.</summary>
    public long RejectSpansInAnswer { get; set; }

    public static async Task<OtlpTestReceiver> StartAsync(OtlpReceiverOptions? options = null)
    {
        var receiver = new OtlpTestReceiver(options ?? new OtlpReceiverOptions());
        ListenOptions? grpc = null, http = null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http2; grpc = o; });
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http1; http = o; });
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = receiver._options.MaxReceiveMessageSize);
        builder.Services.AddSingleton(receiver);
        var app = builder.Build();
        app.MapGrpcService<TraceServiceImpl>();
        app.MapPost("/v1/traces", receiver.HandleHttpAsync);
        await app.StartAsync();
        receiver._app = app;
        receiver.GrpcEndpoint = new Uri($"http://127.0.0.1:{grpc!.IPEndPoint!.Port}");
        receiver.HttpEndpoint = new Uri($"http://127.0.0.1:{http!.IPEndPoint!.Port}");
        return receiver;
    }

    /// <summary>The next <paramref name="calls"/> calls (either transport) fail with UNAVAILABLE / 503.</summary>
    public void FailNext(int calls) => Interlocked.Exchange(ref _failNext, calls);

    /// <summary>The next <paramref name="calls"/> calls (either transport) are refused for good: INVALID_ARGUMENT / 400.</summary>
    public void RefuseNext(int calls) => Interlocked.Exchange(ref _refuseNext, calls);

    private int _refuseNext;

    private bool ShouldRefuse()
    {
        while (true)
        {
            var left = Volatile.Read(ref _refuseNext);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _refuseNext, left - 1, left) == left) return true;
        }
    }

    private long _stallTicks;

    /// <summary>While set, every gRPC call waits this long and then fails without recording (a stalled backend); zero ends it.</summary>
    public void Stall(TimeSpan delay) => Interlocked.Exchange(ref _stallTicks, delay.Ticks);

    internal TimeSpan StallDelay => TimeSpan.FromTicks(Interlocked.Read(ref _stallTicks));

    /// <summary>Completes when at least <paramref name="count"/> spans were received in total.</summary>
    public async Task WaitForSpansAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_spanCount >= count) return;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"expected {count} spans within {timeout}, received {SpanCount}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await _app.StopAsync(stop.Token);
        }
        await _app.DisposeAsync();
    }

    private bool ShouldFail()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failNext);
            if (left <= 0) return false;
            if (Interlocked.CompareExchange(ref _failNext, left - 1, left) == left)
            {
                Interlocked.Increment(ref _failedCalls);
                return true;
            }
        }
    }

    private ExportTraceServiceResponse Record(string transport, ExportTraceServiceRequest request, IReadOnlyDictionary<string, string> headers)
    {
        if (_options.KeepRequests) _received.Enqueue(new ReceivedExport(transport, request, headers));
        Interlocked.Increment(ref _requestCount);
        var spans = 0;
        long events = 0, distinct = 0;
        lock (_lock)
        {
            foreach (var rs in request.ResourceSpans)
            {
                var cluster = rs.Resource?.Attributes.FirstOrDefault(a => a.Key == "k8s.cluster.name")?.Value.StringValue ?? "";
                if (!_eventSpansByCluster.TryGetValue(cluster, out var ids)) _eventSpansByCluster[cluster] = ids = [];
                foreach (var span in rs.ScopeSpans.SelectMany(ss => ss.Spans))
                {
                    spans++;
                    if (!span.Attributes.Any(a => a.Key == "k8s.event.uid")) continue;
                    events++;
                    if (span.SpanId.Length == 8 && ids.Add(BinaryPrimitives.ReadUInt64BigEndian(span.SpanId.Span))) distinct++;
                }
            }

            Interlocked.Add(ref _eventSpans, events);
            Interlocked.Add(ref _distinctEventSpans, distinct);
            _spanCount += spans;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _spanCount)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
        var response = new ExportTraceServiceResponse();
        if (RejectSpansInAnswer > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = RejectSpansInAnswer, ErrorMessage = "test rejection" };
        }
        return response;
    }

    private async Task HandleHttpAsync(HttpContext context)
    {
        if (ShouldFail())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (ShouldRefuse())
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var response = Record("http", request, headers);
        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted);
    }

    private sealed class TraceServiceImpl(OtlpTestReceiver receiver) : TraceService.TraceServiceBase
    {
        public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            if (receiver.StallDelay > TimeSpan.Zero)
            {
                await Task.Delay(receiver.StallDelay, context.CancellationToken).ConfigureAwait(false);
                throw new RpcException(new Status(StatusCode.Unavailable, "test receiver: stalled"));
            }
            if (receiver.ShouldFail()) throw new RpcException(new Status(StatusCode.Unavailable, "test receiver: failing on purpose"));
            if (receiver.ShouldRefuse()) throw new RpcException(new Status(StatusCode.InvalidArgument, "test receiver: refusing on purpose"));
            var headers = new Dictionary<string, string>();
            foreach (var entry in context.RequestHeaders)
            {
                if (!entry.IsBinary) headers[entry.Key] = entry.Value;
            }
            return receiver.Record("grpc", request, headers);
        }
    }
}
