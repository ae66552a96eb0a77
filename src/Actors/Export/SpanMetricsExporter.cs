using System.Diagnostics.Metrics;
using KSpanActors.Model;

namespace KSpanActors.Export;

/// <summary>
/// Turns the spans themselves into the histograms operators alert on, by cluster and namespace: rollout duration
/// (root spans of Deployments, StatefulSets, DaemonSets), pod scheduling delay (Scheduled after the create that made
/// the pod), image pull time (Pulling until Pulled) and container start time (Created to Started). Never fails.
/// </summary>
internal sealed class SpanMetricsExporter : ISpanExporter, IDisposable
{
    private readonly Meter _meter = new(Pipeline.PipelineMetrics.MeterName + ".Spans");
    private readonly Histogram<double> _rollout;
    private readonly Histogram<double> _scheduling;
    private readonly Histogram<double> _imagePull;
    private readonly Histogram<double> _containerStart;

    public SpanMetricsExporter()
    {
        _rollout = _meter.CreateHistogram<double>("kspan.rollout.duration", "s", "Rollout duration (root span of a Deployment, StatefulSet or DaemonSet change)");
        _scheduling = _meter.CreateHistogram<double>("kspan.pod.scheduling.delay", "s", "From the create that made a pod to its Scheduled event");
        _imagePull = _meter.CreateHistogram<double>("kspan.image.pull.duration", "s", "From Pulling to Pulled");
        _containerStart = _meter.CreateHistogram<double>("kspan.container.start.duration", "s", "From Created to Started of a container");
    }

    public string Name => "span-metrics";

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        foreach (var trace in batch) Observe(trace);
        return Task.FromResult(ExportOutcome.Ok);
    }

    private void Observe(TraceSpans trace)
    {
        Dictionary<SpanId, SpanRecord>? byId = null;
        Dictionary<(string?, string?), long>? created = null;
        foreach (var s in trace.Spans)
        {
            switch (s.Name)
            {
                case "Deployment.Update" or "Deployment.Apply" or "StatefulSet.Update" or "StatefulSet.Apply" or "DaemonSet.Update" or "DaemonSet.Apply"
                    when s.IsRoot:
                    _rollout.Record(Seconds(s.EndNs - s.StartNs), Tags(s));
                    break;
                case "Pod.Pulling":
                    _imagePull.Record(Seconds(s.EndNs - s.StartNs), Tags(s));
                    break;
                case "Pod.Scheduled":
                    byId ??= trace.Spans.ToDictionary(x => x.SpanId);
                    if (byId.TryGetValue(s.ParentSpanId, out var create) && create.Name.EndsWith(".SuccessfulCreate", StringComparison.Ordinal))
                    {
                        _scheduling.Record(Seconds(Math.Max(0, s.StartNs - create.StartNs)), Tags(s));
                    }
                    break;
                case "Pod.Created":
                    created ??= [];
                    created[(s.Attribute("k8s.pod.uid"), s.Attribute("k8s.container.name"))] = s.StartNs;
                    break;
            }
        }
        if (created is null) return;
        foreach (var s in trace.Spans)
        {
            if (s.Name == "Pod.Started" && created.TryGetValue((s.Attribute("k8s.pod.uid"), s.Attribute("k8s.container.name")), out var at))
            {
                _containerStart.Record(Seconds(Math.Max(0, s.StartNs - at)), Tags(s));
            }
        }
    }

    private static double Seconds(long ns) => ns / 1e9;

    private static KeyValuePair<string, object?>[] Tags(SpanRecord s) =>
    [
        new("cluster", s.Resource.ClusterName),
        new("namespace", s.Attribute("k8s.namespace.name") ?? ""),
    ];

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _meter.Dispose();
}
