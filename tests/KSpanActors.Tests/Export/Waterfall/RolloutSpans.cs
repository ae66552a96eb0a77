using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Tests.Export.Waterfall;

/// <summary>Spans built by hand, shaped like the trace of a Deployment rollout.</summary>
internal static class RolloutSpans
{
    public static readonly TraceId Trace = new(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736);

    /// <summary>2026-11-03T10:00:00Z.</summary>
    public const long T0 = 1_793_700_000_000_000_000;

    public const string BackOffMessage = "Back-off restarting failed container app in pod px-7d4b9c-x2x7q";

    private static readonly Dictionary<string, SpanResource> Resources = [];

    public static long At(double seconds) => T0 + (long)Math.Round(seconds * 1e9);

    public static SpanResource Service(string name)
    {
        if (!Resources.TryGetValue(name, out var r)) Resources[name] = r = new SpanResource(name, null, "kind-dev", null);
        return r;
    }

    public static SpanRecord Span(
        ulong id, ulong parent, string name, string service, double start, double end,
        string? message = null, bool error = false, params (string Key, string Value)[] attributes)
    {
        var attrs = attributes.Select(a => SpanAttribute.Of(a.Key, a.Value)).ToList();
        if (message is not null) attrs.Add(SpanAttribute.Of("k8s.event.message", message));
        return new SpanRecord(
            Trace, new SpanId(id), new SpanId(parent), name, At(start), At(end),
            error ? SpanStatus.Error : SpanStatus.Unset, error ? message : null, Service(service), [.. attrs]);
    }

    public static SpanRecord Root(double end = 9.1) => Span(
        1, 0, "Deployment.Update", "kubectl-client-side-apply", 0, end, null, false,
        ("k8s.namespace.name", "default"), ("k8s.deployment.name", "px"));

    /// <summary>
    /// Root 0–9.1s; scaling at 0s; pod created at 0.1s; then the pod's events: scheduled 0.1, pulling 0.2–6.1 (5.9s),
    /// pulled, created, started, and a Warning BackOff 7.0–9.1 (repeats). Scheduled, Pulled, Created and Started are drawn
    /// as older versions drew them, each lasting until the next event: the verdict must not take that drawn time
    /// for anything. Listed out of order on purpose.
    /// </summary>
    public static ImmutableArray<SpanRecord> Rollout(bool withBackOff = true)
    {
        var spans = new List<SpanRecord>
        {
            PodEvent(Span(0x60, 0x30, "Pod.Started", "kubelet", 6.3, withBackOff ? 7.0 : 9.1)),
            Event(Span(0x20, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, 0, "Scaled up replica set px-7d4b9c to 1")),
            PodEvent(Span(0x40, 0x30, "Pod.Pulling", "kubelet", 0.2, 6.1, "Pulling image \"ghcr.io/example/px:1.4.2\"")),
            PodEvent(Span(0x31, 0x30, "Pod.Scheduled", "default-scheduler", 0.1, 0.2, "Successfully assigned default/px-7d4b9c-x2x7q to kind-worker"), container: null),
            Root(),
            PodEvent(Span(0x50, 0x30, "Pod.Pulled", "kubelet", 6.1, 6.2, "Successfully pulled image \"ghcr.io/example/px:1.4.2\" in 5.9s")),
            Event(Span(0x30, 0x20, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 0.1, 0.1, "Created pod: px-7d4b9c-x2x7q")),
            PodEvent(Span(0x55, 0x30, "Pod.Created", "kubelet", 6.2, 6.3, "Created container: app")),
        };
        if (withBackOff) spans.Add(PodEvent(Span(0x70, 0x30, "Pod.BackOff", "kubelet", 7.0, 9.1, BackOffMessage, error: true)));
        return [.. spans];
    }

    /// <summary>The span as an event span: it carries its event's uid (the span id in hex, for tests).</summary>
    public static SpanRecord Event(SpanRecord span) =>
        span with { Attributes = span.Attributes.Add(SpanAttribute.Of("k8s.event.uid", "ev-" + span.SpanId.ToHex())) };

    /// <summary>The span as an event of pod px-7d4b9c-x2x7q (container <paramref name="container"/>).</summary>
    public static SpanRecord PodEvent(SpanRecord span, string? container = "app", string pod = "px-7d4b9c-x2x7q")
    {
        var attrs = span.Attributes.Add(SpanAttribute.Of("k8s.pod.name", pod)).Add(SpanAttribute.Of("k8s.pod.uid", "uid-" + pod));
        if (container is not null) attrs = attrs.Add(SpanAttribute.Of("k8s.container.name", container));
        return Event(span with { Attributes = attrs });
    }

    public static TraceSpans Group(params SpanRecord[] spans) => new(Trace, [.. spans]);

    public static TraceSpans Group(ImmutableArray<SpanRecord> spans) => new(Trace, spans);
}
