using Google.Protobuf;
using KSpanActors.Export.Otlp;
using KSpanActors.Model;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Tests.Support;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Export.Otlp.OtlpTestData;

namespace KSpanActors.Tests.Export.Otlp;

/// <summary>The OTLP request written straight from the spans is byte for byte what the generated messages serialize to.</summary>
public sealed class OtlpProtobufTests
{
    private static void AssertSameBytes(IReadOnlyList<TraceSpans> batch)
    {
        var expected = OtlpRequestBuilder.Build(batch).ToByteArray();
        var written = OtlpProtobuf.ToBytes(batch);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(written));
        var parsed = ExportTraceServiceRequest.Parser.ParseFrom(written);
        Assert.Equal(batch.Sum(t => t.Spans.Length), parsed.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count)));
    }

    [Fact]
    public void Three_services_with_an_error_status_integers_and_text_beyond_ascii()
    {
        AssertSameBytes(ThreeServiceBatch());
    }

    [Fact]
    public void Event_spans_whose_attributes_are_read_from_the_occurrence_including_a_packed_uid()
    {
        var packed = F.Ev("0b5c4a3e-1111-2222-3333-444455556666", "Pod", "web-1", "pod-uid", "BackOff", "Back-off restarting failed container",
            "10:00:05", "kubelet", count: 7, warning: true, fieldPath: "spec.containers{app}");
        var plain = F.Ev("not-a-uuid", "Deployment", "web", "dep-uid", "ScalingReplicaSet", "Scaled up replica set web-5d8f to 3", "10:00:00",
            "deployment-controller");
        Assert.True(packed.Uid.IsPacked);
        var trace = new TraceId(1, 2);
        var spans = new[]
        {
            SpanFactory.EventSpan(F.Cluster, "cluster-uid", plain, trace, new SpanId(10), SpanId.None, F.T("10:00:00"), F.T("10:00:01")),
            SpanFactory.EventSpan(F.Cluster, null, packed, trace, new SpanId(11), new SpanId(10), F.T("10:00:02"), F.T("10:00:05")),
        };
        Assert.Contains(spans[1].Attributes, a => a.TryGetUid(out _));
        AssertSameBytes([new TraceSpans(trace, [.. spans])]);
    }

    [Fact]
    public void Defaults_left_out_and_oneof_values_written_even_when_empty()
    {
        var resource = new SpanResource("svc", null, "c", null);
        var odd = new SpanRecord(new TraceId(0, 0), new SpanId(0), SpanId.None, "", 0, -5, SpanStatus.Ok, null, resource,
        [
            SpanAttribute.Of("empty", ""),
            SpanAttribute.Of("zero", 0),
            SpanAttribute.Of("negative", -1),
            SpanAttribute.Of("large", long.MaxValue),
            SpanAttribute.Of("lone surrogate", "a\ud800b"),
            SpanAttribute.Of(new string('k', 200), new string('v', 20_000)), // lengths of two and three varint bytes
        ]);
        var error = odd with { SpanId = new SpanId(1), Status = SpanStatus.Error, StatusMessage = null, Name = "Pod.Failed", StartNs = 1, EndNs = 2 };
        var errorSaid = error with { SpanId = new SpanId(2), StatusMessage = "it failed: ✗" };
        AssertSameBytes([new TraceSpans(new TraceId(0, 0), [odd, error, errorSaid])]);
    }

    [Fact]
    public void A_batch_of_many_spans_and_resources()
    {
        var traces = new List<TraceSpans>();
        for (var t = 0; t < 50; t++)
        {
            var id = new TraceId((ulong)t, 99);
            var spans = Enumerable.Range(0, 100).Select(i => Span(id, (ulong)(t * 1000 + i + 1), i == 0 ? 0 : (ulong)(t * 1000 + 1), $"Pod.Event{i}",
                T0 + i, T0 + i * 2, i % 3 == 0 ? Kubelet : i % 3 == 1 ? Controller : new SpanResource($"svc-{t % 7}", null, "kind-test", null),
                SpanAttribute.Of("k8s.event.count", i), SpanAttribute.Of("k8s.pod.name", $"web-{i}")));
            traces.Add(new TraceSpans(id, [.. spans]));
        }
        AssertSameBytes(traces); // 5,000 spans: past the writer's per-thread table of sizes
        AssertSameBytes([]);
    }
}
