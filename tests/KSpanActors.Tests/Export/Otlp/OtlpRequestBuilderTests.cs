using KSpanActors.Export.Otlp;
using static KSpanActors.Tests.Export.Otlp.OtlpTestData;

namespace KSpanActors.Tests.Export.Otlp;

public sealed class OtlpRequestBuilderTests
{
    [Fact]
    public void Spans_are_grouped_by_resource_with_exact_ids_and_times()
    {
        var batch = ThreeServiceBatch();

        var request = OtlpRequestBuilder.Build(batch);

        OtlpExporterTests.AssertMatches(batch, request);
    }

    [Fact]
    public void Equal_resources_that_are_different_instances_share_one_resource_spans()
    {
        var a = Span(Trace1, 1, 0, "A", T0, T0, Kubelet);
        var b = Span(Trace1, 2, 1, "B", T0, T0, Kubelet with { });

        var request = OtlpRequestBuilder.Build([new(Trace1, [a, b])]);

        Assert.Equal(2, Assert.Single(request.ResourceSpans).ScopeSpans[0].Spans.Count);
    }

    [Fact]
    public void An_empty_batch_gives_an_empty_request() =>
        Assert.Empty(OtlpRequestBuilder.Build([]).ResourceSpans);
}
