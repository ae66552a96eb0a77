using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace KSpanActors.Host;

/// <summary>
/// Publishes the project's System.Diagnostics.Metrics instruments (meters "KSpanActors*") as Prometheus metrics through
/// prometheus-net: counters (tags become labels), observable counters (read at scrape time) and histograms (seconds
/// buckets suited to rollouts, pulls and scheduling). Names: dots become underscores (kspan.rollout.duration →
/// kspan_rollout_duration_seconds).
/// </summary>
internal sealed class PrometheusBridge : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Collector> _metrics = new();
    private readonly CollectorRegistry _registry;
    private readonly MetricFactory _factory;

    public PrometheusBridge(CollectorRegistry? registry = null)
    {
        _registry = registry ?? Metrics.DefaultRegistry;
        _factory = Metrics.WithCustomRegistry(_registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(Pipeline.PipelineMetrics.MeterName, StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
        _registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new string[tags.Length];
        var labelNames = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labels[i] = tags[i].Value?.ToString() ?? "";
            labelNames[i] = tags[i].Key;
        }
        var collector = _metrics.GetOrAdd(instrument, i => Create(i, labelNames));
        switch (collector)
        {
            case Counter c when instrument is ObservableCounter<long> or ObservableCounter<double>:
                c.WithLabels(labels).IncTo(value);
                break;
            case Counter c:
                c.WithLabels(labels).Inc(value);
                break;
            case Histogram h:
                h.WithLabels(labels).Observe(value);
                break;
        }
    }

    private Collector Create(Instrument instrument, string[] labelNames)
    {
        var name = instrument.Name.Replace('.', '_');
        var help = instrument.Description ?? instrument.Name;
        if (instrument is Histogram<double> or Histogram<long>)
        {
            if (instrument.Unit == "s") name += "_seconds";
            return _factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = SecondsBuckets });
        }
        return _factory.CreateCounter(name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total", help, labelNames);
    }

    public void Dispose() => _listener.Dispose();
}
