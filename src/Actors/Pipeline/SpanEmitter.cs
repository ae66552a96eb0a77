using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using KSpanActors.Export;
using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>Asks the SpanEmitter to export everything it holds; answered with <see cref="FlushDone"/>.</summary>
public sealed class Flush
{
    public static readonly Flush Instance = new();
}

public sealed class FlushDone
{
    public static readonly FlushDone Instance = new();
}

/// <summary>
/// One per node: batches finished spans by size and by time and hands each batch to every exporter, one export at
/// a time, off the actor's thread (results are piped back). Spans wait in a bounded buffer while exporters are
/// slow or down; past the bound the oldest are dropped and counted. A batch never splits one <see cref="TraceSpans"/>.
/// </summary>
internal sealed class SpanEmitter : UntypedActor, IWithTimers
{
    private const string TickTimer = "tick";
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);

    private readonly PipelineContext _ctx;
    private readonly IReadOnlyList<ISpanExporter> _exporters;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<TraceSpans> _buffer = new();
    private readonly List<IActorRef> _flushWaiters = [];
    private int _bufferedSpans;
    private bool _exporting;
    private long _droppedSinceLog;
    private DateTime _lastDropLog = DateTime.MinValue;

    public SpanEmitter(PipelineContext ctx, IReadOnlyList<ISpanExporter> exporters)
    {
        _ctx = ctx;
        _exporters = exporters;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineContext ctx, IReadOnlyList<ISpanExporter> exporters) =>
        Akka.Actor.Props.Create(() => new SpanEmitter(ctx, exporters));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _ctx.Settings.BatchInterval);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case TraceSpans t:
                Enqueue(t);
                if (_bufferedSpans >= _ctx.Settings.BatchSize) TryExport();
                break;
            case Tick:
                TryExport();
                break;
            case Flush:
                _flushWaiters.Add(Sender);
                TryExport();
                AnswerFlushIfDrained();
                break;
            case ExportResult r:
                _exporting = false;
                OnExported(r);
                TryExport();
                AnswerFlushIfDrained();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Enqueue(TraceSpans t)
    {
        _buffer.Enqueue(t);
        _bufferedSpans += t.Spans.Length;
        while (_bufferedSpans > _ctx.Settings.MaxBufferedSpans && _buffer.Count > 1)
        {
            var dropped = _buffer.Dequeue();
            _bufferedSpans -= dropped.Spans.Length;
            _ctx.Metrics.Dropped(dropped.Spans.Length);
            _droppedSinceLog += dropped.Spans.Length;
        }
        if (_droppedSinceLog > 0 && DateTime.UtcNow - _lastDropLog >= DropLogInterval)
        {
            _log.Warning("Span buffer full ({0} spans): dropped the {1} oldest spans since the last report; exporters are slower than input",
                _ctx.Settings.MaxBufferedSpans, _droppedSinceLog);
            _droppedSinceLog = 0;
            _lastDropLog = DateTime.UtcNow;
        }
    }

    private void TryExport()
    {
        if (_exporting || _buffer.Count == 0) return;
        var batch = new List<TraceSpans>();
        var spans = 0;
        while (_buffer.Count > 0 && (batch.Count == 0 || spans + _buffer.Peek().Spans.Length <= _ctx.Settings.BatchSize))
        {
            var t = _buffer.Dequeue();
            batch.Add(t);
            spans += t.Spans.Length;
        }
        _bufferedSpans -= spans;
        _exporting = true;
        ExportAsync(batch, spans, _exporters, _ctx.Settings.ExportAttempts).PipeTo(Self);
    }

    private static async Task<ExportResult> ExportAsync(List<TraceSpans> batch, int spans, IReadOnlyList<ISpanExporter> exporters, int attempts)
    {
        var tasks = new Task<(string Name, bool Ok, int Failures)>[exporters.Count];
        for (var i = 0; i < exporters.Count; i++) tasks[i] = ExportWithRetryAsync(exporters[i], batch, attempts);
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return new ExportResult(spans, [.. results]);
    }

    private static async Task<(string Name, bool Ok, int Failures)> ExportWithRetryAsync(ISpanExporter exporter, List<TraceSpans> batch, int attempts)
    {
        var failures = 0;
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            bool ok;
            try
            {
                ok = await exporter.ExportAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                ok = false;
            }
            if (ok) return (exporter.Name, true, failures);
            failures++;
            if (attempt < attempts)
            {
                await Task.Delay(delay).ConfigureAwait(false);
                delay *= 2;
            }
        }
        return (exporter.Name, false, failures);
    }

    private void OnExported(ExportResult r)
    {
        var allOk = true;
        foreach (var (name, ok, failures) in r.Results)
        {
            for (var i = 0; i < failures; i++) _ctx.Metrics.ExportFailed();
            if (!ok)
            {
                allOk = false;
                _ctx.Metrics.Dropped(r.Spans);
                _log.Warning("Exporter {0} gave up on a batch of {1} spans after {2} attempts; the spans are dropped for it", name, r.Spans, failures);
            }
        }
        if (allOk) _ctx.Metrics.Exported(r.Spans);
    }

    private void AnswerFlushIfDrained()
    {
        if (_exporting || _buffer.Count > 0 || _flushWaiters.Count == 0) return;
        foreach (var w in _flushWaiters) w.Tell(FlushDone.Instance);
        _flushWaiters.Clear();
    }

    private sealed record ExportResult(int Spans, ImmutableArray<(string Name, bool Ok, int Failures)> Results);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
