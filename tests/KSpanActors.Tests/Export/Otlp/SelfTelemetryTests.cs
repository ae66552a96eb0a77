using KSpanActors.Tests.FakeKube;
using KSpanActors.Export.Otlp;

namespace KSpanActors.Tests.Export.Otlp;

/// <summary>These tests set process environment variables: they run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public sealed class SelfTelemetryTests
{
    private static readonly string[] Variables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME",
    ];

    [Fact]
    public async Task The_process_own_spans_are_exported_by_the_opentelemetry_package_when_an_endpoint_is_set()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
            Assert.Null(SelfTelemetry.StartFromEnvironment());

            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.GrpcEndpoint.ToString());
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_HEADERS", "x-self=yes");

            var settings = OtlpSettings.FromEnvironment()!;
            Assert.Equal(receiver.GrpcEndpoint, settings.Endpoint);
            Assert.Equal([new("x-self", "yes")], settings.Headers);
            Assert.Null(settings.Validate());

            using (var provider = SelfTelemetry.StartFromEnvironment())
            {
                Assert.NotNull(provider);
                using var activity = SelfTelemetry.Source.StartActivity("self-test");
                Assert.NotNull(activity);
            }
            await receiver.WaitForSpansAsync(1, TimeSpan.FromSeconds(10));

            var request = Assert.Single(receiver.Requests);
            var resource = Assert.Single(request.ResourceSpans);
            Assert.Contains(resource.Resource.Attributes, a => a.Key == "service.name" && a.Value.StringValue == "kspan-actors");
            Assert.Equal("self-test", resource.ScopeSpans.SelectMany(s => s.Spans).Single().Name);
            Assert.Equal("yes", receiver.RequestHeaders[0]["x-self"]);
        }
        finally
        {
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }
}
