using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Tests.Export.Otlp;

internal static class OtlpTestData
{
    public static readonly SpanResource Kubectl = new("kubectl-client-side-apply", null, "kind-test", "cluster-uid-1");
    public static readonly SpanResource Controller = new("deployment-controller", "kcm-0", "kind-test", "cluster-uid-1");
    public static readonly SpanResource Kubelet = new("kubelet", "node-a", "kind-test", null);

    public static readonly TraceId Trace1 = new(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL);
    public static readonly TraceId Trace2 = new(0xfedcba9876543210UL, 0x0000000000000001UL);

    public const long T0 = 1_732_600_000_123_456_789L;

    /// <summary>Two traces, spans of three services: the root (kubectl), a controller span, two kubelet spans (one Warning).</summary>
    public static IReadOnlyList<TraceSpans> ThreeServiceBatch()
    {
        var root = Span(Trace1, 0x1111111111111111UL, 0, "Deployment.Update", T0, T0 + 5_000_000_000L, Kubectl);
        var scaled = Span(Trace1, 0x2222222222222222UL, 0x1111111111111111UL, "Deployment.ScalingReplicaSet", T0 + 1_000_000_000L, T0 + 2_000_000_000L, Controller,
            SpanAttribute.Of("k8s.event.uid", "ev-1"), SpanAttribute.Of("k8s.event.count", 3));
        var pulling = Span(Trace1, 0x3333333333333333UL, 0x2222222222222222UL, "Pod.Pulling", T0 + 2_000_000_000L, T0 + 3_000_000_000L, Kubelet,
            SpanAttribute.Of("k8s.event.uid", "ev-2"));
        var backoff = Span(Trace2, 0x4444444444444444UL, 0x9999999999999999UL, "Pod.BackOff", T0 + 4_000_000_000L, T0 + 4_000_000_000L, Kubelet,
            SpanAttribute.Of("k8s.event.uid", "ev-3"), SpanAttribute.Of("k8s.event.message", "Back-off \"restarting\" ✓")) with
        {
            Status = SpanStatus.Error,
            StatusMessage = "Back-off restarting failed container",
        };
        return
        [
            new TraceSpans(Trace1, [root, scaled, pulling]),
            new TraceSpans(Trace2, [backoff]),
        ];
    }

    public static SpanRecord Span(TraceId trace, ulong id, ulong parent, string name, long start, long end, SpanResource resource, params SpanAttribute[] attributes) =>
        new(trace, new SpanId(id), new SpanId(parent), name, start, end, SpanStatus.Unset, null, resource, [.. attributes]);

    public static byte[] Bytes(TraceId id)
    {
        var b = new byte[16];
        id.WriteBytes(b);
        return b;
    }

    public static byte[] Bytes(ulong id)
    {
        var b = new byte[8];
        new SpanId(id).WriteBytes(b);
        return b;
    }

    public static ImmutableArray<SpanRecord> AllSpans(IReadOnlyList<TraceSpans> batch) => [.. batch.SelectMany(t => t.Spans)];
}
