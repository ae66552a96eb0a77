using KSpanActors.Tests.FakeKube;
using System.Net;
using System.Net.Sockets;
using KSpanActors.Export;
using KSpanActors.Export.Otlp;
using KSpanActors.Model;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Otlp.Proto.Trace;
using static KSpanActors.Tests.Export.Otlp.OtlpTestData;

namespace KSpanActors.Tests.Export.Otlp;

public sealed class OtlpExporterTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private OtlpTestReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpTestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private OtlpSettings Settings(OtlpProtocol protocol, params KeyValuePair<string, string>[] headers) =>
        new(protocol == OtlpProtocol.Grpc ? _receiver.GrpcEndpoint : _receiver.HttpEndpoint, protocol, headers, TimeSpan.FromSeconds(5), false);

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_batch_with_spans_of_three_services_arrives_as_one_request_with_three_resource_spans(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        var batch = ThreeServiceBatch();
        var log = new CapturingLogger();
        await using var exporter = OtlpExporterFactory.Create(Settings(protocol), log);

        Assert.True(await exporter.ExportAsync(batch, CancellationToken.None) == ExportOutcome.Ok, log.All);
        await _receiver.WaitForSpansAsync(4, Wait);

        var received = Assert.Single(_receiver.Received);
        Assert.Equal(protocol == OtlpProtocol.Grpc ? "grpc" : "http", received.Transport);
        AssertMatches(batch, received.Request);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Configured_headers_reach_the_receiver(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        var settings = Settings(protocol, new("Authorization", "Bearer s3cret"), new("x-tenant", "team a"));
        await using var exporter = OtlpExporterFactory.Create(settings, new CapturingLogger());

        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));

        var headers = Assert.Single(_receiver.RequestHeaders);
        Assert.Equal("Bearer s3cret", headers["authorization"]);
        Assert.Equal("team a", headers["x-tenant"]);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task An_exporter_pointed_at_a_closed_port_says_retry_and_logs_the_endpoint_but_not_header_values(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        var endpoint = new Uri($"http://127.0.0.1:{ReleasedPort()}");
        var log = new CapturingLogger();
        var settings = new OtlpSettings(endpoint, protocol, [new("authorization", "Bearer s3cret-token")], TimeSpan.FromSeconds(5), false);
        await using var exporter = OtlpExporterFactory.Create(settings, log);

        Assert.Equal(ExportOutcome.Retryable, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));

        Assert.Contains($"127.0.0.1:{endpoint.Port}", log.All);
        Assert.DoesNotContain("s3cret-token", log.All);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_failing_receiver_makes_the_export_retryable_and_the_next_one_succeeds(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        await using var exporter = OtlpExporterFactory.Create(Settings(protocol), new CapturingLogger());
        _receiver.FailNext(1);

        Assert.Equal(ExportOutcome.Retryable, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));
        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));

        Assert.Equal(1, _receiver.FailedCalls);
        Assert.Single(_receiver.Requests);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_receiver_that_refuses_a_batch_for_good_makes_the_export_permanent_not_retryable(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        await using var exporter = OtlpExporterFactory.Create(Settings(protocol), new CapturingLogger());
        _receiver.RefuseNext(1);

        Assert.Equal(ExportOutcome.Permanent, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));
        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_partial_success_counts_as_delivered_and_its_rejected_spans_are_logged(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        var log = new CapturingLogger();
        await using var exporter = OtlpExporterFactory.Create(Settings(protocol), log);
        _receiver.RejectSpansInAnswer = 2;

        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync(ThreeServiceBatch(), CancellationToken.None));

        Assert.Contains(log.Lines, l => l.Contains("rejected 2 spans") && l.Contains("test rejection"));
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task A_cancelled_export_throws_operation_cancelled(string protocolName)
    {
        var protocol = OtlpSettings.ParseProtocol(protocolName)!.Value;
        await using var exporter = OtlpExporterFactory.Create(Settings(protocol), new CapturingLogger());
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exporter.ExportAsync(ThreeServiceBatch(), cts.Token));
    }

    [Fact]
    public void The_factory_names_exporters_by_protocol()
    {
        var endpoint = new Uri("http://127.0.0.1:4317");
        Assert.IsType<OtlpGrpcExporter>(OtlpExporterFactory.Create(new OtlpSettings(endpoint, OtlpProtocol.Grpc, [], TimeSpan.FromSeconds(1), false), new CapturingLogger()));
        Assert.IsType<OtlpHttpExporter>(OtlpExporterFactory.Create(new OtlpSettings(endpoint, OtlpProtocol.HttpProtobuf, [], TimeSpan.FromSeconds(1), false), new CapturingLogger()));
    }

    /// <summary>A loopback port that was just bound and released, so nothing listens on it.</summary>
    private static int ReleasedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static void AssertMatches(IReadOnlyList<TraceSpans> batch, ExportTraceServiceRequest request)
    {
        Assert.Equal(3, request.ResourceSpans.Count);
        var services = request.ResourceSpans.Select(r => Attr(r.Resource.Attributes, "service.name")).ToList();
        Assert.Equal(["kubectl-client-side-apply", "deployment-controller", "kubelet"], services);

        var kubectl = request.ResourceSpans[0].Resource.Attributes.Select(a => a.Key).ToList();
        Assert.Equal(["service.name", "k8s.cluster.name", "k8s.cluster.uid"], kubectl);
        Assert.Equal("kcm-0", Attr(request.ResourceSpans[1].Resource.Attributes, "service.instance.id"));
        Assert.Equal("cluster-uid-1", Attr(request.ResourceSpans[1].Resource.Attributes, "k8s.cluster.uid"));
        Assert.Equal(["service.name", "service.instance.id", "k8s.cluster.name"], request.ResourceSpans[2].Resource.Attributes.Select(a => a.Key).ToList());

        foreach (var rs in request.ResourceSpans)
        {
            var scope = Assert.Single(rs.ScopeSpans);
            Assert.Equal("kspan-actors", scope.Scope.Name);
        }
        Assert.Equal(2, request.ResourceSpans[2].ScopeSpans[0].Spans.Count);

        var sent = AllSpans(batch);
        var got = request.ResourceSpans.SelectMany(r => r.ScopeSpans[0].Spans.Select(s => (Resource: r, Span: s))).ToList();
        Assert.Equal(sent.Length, got.Count);
        foreach (var want in sent)
        {
            var (resource, span) = Assert.Single(got, g => g.Span.SpanId.ToByteArray().SequenceEqual(Bytes(want.SpanId.Value)));
            Assert.Equal(want.Resource.ServiceName, Attr(resource.Resource.Attributes, "service.name"));
            Assert.Equal(Bytes(want.TraceId), span.TraceId.ToByteArray());
            Assert.Equal(want.IsRoot ? [] : Bytes(want.ParentSpanId.Value), span.ParentSpanId.ToByteArray());
            Assert.Equal(want.Name, span.Name);
            Assert.Equal(KSpanActors.Otlp.Proto.Trace.Span.Types.SpanKind.Internal, span.Kind);
            Assert.Equal((ulong)want.StartNs, span.StartTimeUnixNano);
            Assert.Equal((ulong)want.EndNs, span.EndTimeUnixNano);
            Assert.Equal(want.Attributes.Select(a => a.Key), span.Attributes.Select(a => a.Key));
            if (want.Status == SpanStatus.Error)
            {
                Assert.Equal(Status.Types.StatusCode.Error, span.Status.Code);
                Assert.Equal(want.StatusMessage, span.Status.Message);
            }
            else
            {
                Assert.True(span.Status is null || span.Status.Code == Status.Types.StatusCode.Unset);
            }
        }

        var count = got.Single(g => g.Span.Name == "Deployment.ScalingReplicaSet").Span.Attributes.Single(a => a.Key == "k8s.event.count");
        Assert.Equal(3, count.Value.IntValue);
    }

    private static string? Attr(IEnumerable<KSpanActors.Otlp.Proto.Common.KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue;
}
