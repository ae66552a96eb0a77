using System.Diagnostics.Metrics;

namespace KSpanActors.Pipeline;

/// <summary>
/// What the pipeline counts: what came in, what went out, and everything it had to skip or drop,
/// so nothing is lost silently. Published as System.Diagnostics.Metrics instruments (meter "KSpanActors")
/// and readable directly for summaries and tests.
/// </summary>
internal sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "KSpanActors";

    private readonly Meter _meter;
    private readonly Counter<long> _eventsByKind;
    private readonly Counter<long> _objectsByKind;
    private readonly Counter<long> _watchProblems;
    private readonly Counter<long> _decodeErrorsByCluster;
    private long _events;
    private long _objects;
    private long _decodeErrors;
    private long _spansEmitted;
    private long _spansExported;
    private long _spansDropped;
    private long _exportFailures;
    private long _ownerCycles;
    private long _orphans;
    private long _objectActorsStarted;
    private long _unreadableActions;
    private long _exportWaits;

    public PipelineMetrics()
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("kspan.facts.from.other.replicas", () => FactsFromOtherReplicas?.Invoke() ?? 0,
            description: "Facts another replica routed that actors of this replica processed (by weight): what crossed between replicas");
        _meter.CreateObservableCounter("kspan.events.received", () => Events, description: "Kubernetes Event occurrences received");
        _meter.CreateObservableCounter("kspan.objects.received", () => Objects, description: "Kubernetes object snapshots received");
        _meter.CreateObservableCounter("kspan.decode.errors", () => DecodeErrors, description: "Documents that could not be decoded");
        _meter.CreateObservableCounter("kspan.spans.emitted", () => SpansEmitted, description: "Spans built by trace assembly");
        _meter.CreateObservableCounter("kspan.spans.exported", () => SpansExported, description: "Spans accepted by an exporter");
        _meter.CreateObservableCounter("kspan.spans.dropped", () => SpansDropped, description: "Spans dropped (buffer full or export gave up)");
        _meter.CreateObservableCounter("kspan.export.failures", () => ExportFailures, description: "Failed export attempts");
        _meter.CreateObservableCounter("kspan.owner.cycles", () => OwnerCycles, description: "Owner reference cycles cut");
        _meter.CreateObservableCounter("kspan.orphans", () => Orphans, description: "Objects whose owner could not be found");
        _meter.CreateObservableCounter("kspan.object.actors.started", () => ObjectActorsStarted, description: "Object actors started (created, or recreated after passivation or a hand-off)");
        _meter.CreateObservableCounter("kspan.unreadable.actions", () => UnreadableActions, description: "Controller events (creates, deletes, scalings) whose message does not say what was done: spans, never parents");
        _meter.CreateObservableCounter("kspan.export.waits", () => ExportWaits, description: "Times the sources of this node were held because an exporter that is working fell behind (its buffer more than a quarter full)");
        _eventsByKind = _meter.CreateCounter<long>("kspan.cluster.events", description: "Event occurrences received, by cluster and involved object kind");
        _objectsByKind = _meter.CreateCounter<long>("kspan.cluster.objects", description: "Object snapshots received, by cluster and kind");
        _watchProblems = _meter.CreateCounter<long>("kspan.watch.problems", description: "Watch restarts, relists, malformed lines, unauthorized answers, by cluster and resource");
        _decodeErrorsByCluster = _meter.CreateCounter<long>("kspan.cluster.decode.errors", description: "Documents that could not be decoded, by cluster and kind");
    }

    /// <summary>Read for kspan.facts.from.other.replicas: this node's tracker, set when the pipeline starts.</summary>
    public Func<long>? FactsFromOtherReplicas { get; set; }

    public long Events => Interlocked.Read(ref _events);
    public long Objects => Interlocked.Read(ref _objects);
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);
    public long SpansEmitted => Interlocked.Read(ref _spansEmitted);
    public long SpansExported => Interlocked.Read(ref _spansExported);
    public long SpansDropped => Interlocked.Read(ref _spansDropped);
    public long ExportFailures => Interlocked.Read(ref _exportFailures);
    public long OwnerCycles => Interlocked.Read(ref _ownerCycles);
    public long Orphans => Interlocked.Read(ref _orphans);
    public long ObjectActorsStarted => Interlocked.Read(ref _objectActorsStarted);
    public long UnreadableActions => Interlocked.Read(ref _unreadableActions);

    public long ExportWaits => Interlocked.Read(ref _exportWaits);

    public void EventReceived() => Interlocked.Increment(ref _events);
    public void ObjectReceived() => Interlocked.Increment(ref _objects);
    public void DecodeError() => Interlocked.Increment(ref _decodeErrors);

    /// <summary>Problems a source met before the pipeline started (a replay reads its input first).</summary>
    public void AddDecodeErrors(int count) => Interlocked.Add(ref _decodeErrors, count);

    public void EventReceived(string cluster, string kind)
    {
        Interlocked.Increment(ref _events);
        if (_eventsByKind.Enabled) _eventsByKind.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("kind", kind));
    }

    public void ObjectReceived(string cluster, string kind)
    {
        Interlocked.Increment(ref _objects);
        if (_objectsByKind.Enabled) _objectsByKind.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("kind", kind));
    }

    public void DecodeError(string cluster, string kind)
    {
        Interlocked.Increment(ref _decodeErrors);
        if (_decodeErrorsByCluster.Enabled) _decodeErrorsByCluster.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("kind", kind));
    }

    private long _watchRestarts;
    private long _relists;
    private long _malformed;
    private long _unauthorized;

    public long WatchRestarts => Interlocked.Read(ref _watchRestarts);
    public long Relists => Interlocked.Read(ref _relists);
    public long MalformedLines => Interlocked.Read(ref _malformed);
    public long Unauthorized => Interlocked.Read(ref _unauthorized);

    /// <summary>A watch loop recovered from something: "watch-restart", "relist", "malformed", "unauthorized".</summary>
    public void WatchProblem(string cluster, string resource, string problem)
    {
        switch (problem)
        {
            case "watch-restart": Interlocked.Increment(ref _watchRestarts); break;
            case "relist": Interlocked.Increment(ref _relists); break;
            case "malformed": Interlocked.Increment(ref _malformed); break;
            case "unauthorized": Interlocked.Increment(ref _unauthorized); break;
        }
        _watchProblems.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("resource", resource), new KeyValuePair<string, object?>("problem", problem));
    }
    public void Emitted(int spans) => Interlocked.Add(ref _spansEmitted, spans);
    public void Exported(int spans) => Interlocked.Add(ref _spansExported, spans);
    public void Dropped(int spans) => Interlocked.Add(ref _spansDropped, spans);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _dropReasons = new(StringComparer.Ordinal);

    /// <summary>Spans dropped, counted once (<see cref="SpansDropped"/>) and by why ("otlp-grpc failing: 12 attempts in a row").</summary>
    public void Dropped(int spans, string reason)
    {
        Dropped(spans);
        _dropReasons.AddOrUpdate(reason, spans, (_, n) => n + spans);
    }

    /// <summary>Why spans were dropped, most spans first (empty when none were, or no reason was given).</summary>
    public IReadOnlyList<string> DropReasons => [.. _dropReasons.OrderByDescending(r => r.Value).Select(r => r.Key)];
    public void ExportFailed() => Interlocked.Increment(ref _exportFailures);
    public void OwnerCycle() => Interlocked.Increment(ref _ownerCycles);
    public void Orphan() => Interlocked.Increment(ref _orphans);
    public void ObjectActorStarted() => Interlocked.Increment(ref _objectActorsStarted);

    /// <summary>The sources of this node were held: an exporter that works fell behind (SpanEmitter).</summary>
    public void ExportWait() => Interlocked.Increment(ref _exportWaits);

    /// <summary>A controller event whose message does not say in full what was done (a junk or truncated copy).</summary>
    public void UnreadableAction() => Interlocked.Increment(ref _unreadableActions);

    public void Dispose() => _meter.Dispose();
}
