using System.Buffers.Binary;
using System.Net;
using Grpc.Core;
using KSpanActors.Otlp.Proto.Collector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// An OTLP/gRPC trace receiver on 127.0.0.1 (h2c, an ephemeral port) for the replica processes of the replicas mode:
/// what a collector costs the replicas (one gRPC Export call per batch), counting on this side only. It counts every
/// span, and the event-occurrence spans (those with a <c>k8s.event.uid</c> attribute) both as received and as distinct
/// span ids per <c>k8s.cluster.name</c>, so a span exported twice (by two replicas) shows up instead of being counted
/// as progress.
/// </summary>
internal sealed class OtlpCountingReceiver : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<ulong>> _eventSpansByCluster = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private long _spans;
    private long _eventSpans;
    private long _distinctEventSpans;
    private long _requests;

    private OtlpCountingReceiver()
    {
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Spans received, every kind (event occurrences, roots, the replicas' own telemetry if any).</summary>
    public long Spans => Interlocked.Read(ref _spans);

    /// <summary>Event-occurrence spans received, duplicates included.</summary>
    public long EventSpans => Interlocked.Read(ref _eventSpans);

    /// <summary>Distinct event-occurrence spans (span id per cluster).</summary>
    public long DistinctEventSpans => Interlocked.Read(ref _distinctEventSpans);

    public long Requests => Interlocked.Read(ref _requests);

    public IReadOnlyDictionary<string, int> DistinctEventSpansByCluster
    {
        get
        {
            lock (_lock) return _eventSpansByCluster.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal);
        }
    }

    public static async Task<OtlpCountingReceiver> StartAsync()
    {
        var receiver = new OtlpCountingReceiver();
        ListenOptions? grpc = null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                grpc = o;
            });
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = null);
        builder.Services.AddSingleton(receiver);
        var app = builder.Build();
        app.MapGrpcService<TraceServiceImpl>();
        await app.StartAsync().ConfigureAwait(false);
        receiver._app = app;
        receiver.Endpoint = new Uri($"http://127.0.0.1:{grpc!.IPEndPoint!.Port}");
        return receiver;
    }

    private void Record(ExportTraceServiceRequest request)
    {
        Interlocked.Increment(ref _requests);
        long spans = 0, events = 0, distinct = 0;
        lock (_lock)
        {
            foreach (var rs in request.ResourceSpans)
            {
                var cluster = "";
                if (rs.Resource is { } resource)
                {
                    foreach (var a in resource.Attributes)
                    {
                        if (a.Key == "k8s.cluster.name")
                        {
                            cluster = a.Value.StringValue;
                            break;
                        }
                    }
                }
                if (!_eventSpansByCluster.TryGetValue(cluster, out var ids)) _eventSpansByCluster[cluster] = ids = [];
                foreach (var ss in rs.ScopeSpans)
                {
                    foreach (var span in ss.Spans)
                    {
                        spans++;
                        var isEvent = false;
                        foreach (var a in span.Attributes)
                        {
                            if (a.Key == "k8s.event.uid")
                            {
                                isEvent = true;
                                break;
                            }
                        }
                        if (!isEvent) continue;
                        events++;
                        if (span.SpanId.Length == 8 && ids.Add(BinaryPrimitives.ReadUInt64BigEndian(span.SpanId.Span))) distinct++;
                    }
                }
            }
        }
        Interlocked.Add(ref _spans, spans);
        Interlocked.Add(ref _eventSpans, events);
        Interlocked.Add(ref _distinctEventSpans, distinct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // connections still open are closed by the dispose below
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class TraceServiceImpl(OtlpCountingReceiver receiver) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            receiver.Record(request);
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}
