using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace KSpanActors.Host;

/// <summary>
/// Publishes the project's System.Diagnostics.Metrics instruments (meters "KSpanActors*") and the .NET runtime's own
/// (meter "System.Runtime": GC collections and pause time, JIT, thread pool, lock contention, CPU) as Prometheus metrics
/// through prometheus-net: counters (tags become labels), observable counters (read at scrape time), gauges
/// (up-down counters and gauges) and histograms (seconds buckets suited to rollouts, pulls and scheduling). Names: dots
/// become underscores, a counter in seconds ends in _seconds_total (kspan.rollout.duration →
/// kspan_rollout_duration_seconds, dotnet.gc.pause.time → dotnet_gc_pause_time_seconds_total).
/// </summary>
internal sealed class PrometheusBridge : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
    /// <summary>The runtime's built-in meter (.NET 9 and later).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Levels the runtime publishes as observable counters although they go down: published as gauges.</summary>
    private static readonly HashSet<string> RuntimeLevels = new(StringComparer.Ordinal) { "dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length" };

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
            if (instrument.Meter.Name.StartsWith(Pipeline.PipelineMetrics.MeterName, StringComparison.Ordinal) || instrument.Meter.Name == RuntimeMeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
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
            labelNames[i] = tags[i].Key.Replace('.', '_'); // the runtime's tags (gc.heap.generation) are no Prometheus label names
        }
        var collector = _metrics.GetOrAdd(instrument, i => Create(i, labelNames));
        switch (collector)
        {
            case Gauge g:
                g.WithLabels(labels).Set(value);
                break;
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
        if (instrument.Unit == "By") name += "_bytes";
        if (instrument is ObservableUpDownCounter<long> or ObservableUpDownCounter<double> or ObservableGauge<long> or ObservableGauge<double>
            || RuntimeLevels.Contains(instrument.Name))
        {
            return _factory.CreateGauge(name, help, labelNames);
        }
        if (instrument.Unit == "s") name += "_seconds";
        return _factory.CreateCounter(name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total", help, labelNames);
    }

    public void Dispose() => _listener.Dispose();
}
