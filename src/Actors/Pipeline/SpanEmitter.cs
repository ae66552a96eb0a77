using Akka.Actor;
using Akka.Event;
using KSpanActors.Export;
using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>
/// One per node: batches finished spans by size and by time, and gives every exporter its own bounded queue of batches,
/// exported one at a time off the actor's thread (results are piped back). A failed batch stays at the head of its
/// queue and is retried with backoff until the exporter recovers, so a backend that is down or slow loses nothing
/// that fits in the buffer; beyond <see cref="PipelineSettings.MaxBufferedSpans"/> per exporter the oldest batches
/// are dropped, counted, and logged (rate-limited). One slow exporter never holds the others back. A batch never
/// splits one <see cref="TraceSpans"/>.
/// </summary>
internal sealed class SpanEmitter : TrackedActor, IWithTimers
{
    private const string TickTimer = "tick";
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);

    private readonly PipelineServices _pipeline;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<TraceSpans> _forming = [];
    private readonly ExporterQueue[] _queues;
    private readonly List<IActorRef> _flushWaiters = [];
    private int _formingSpans;
    private DateTime _flushStarted;
    private TimeSpan _flushPatience;
    private DateTime? _flushDeadline;
    private DateTime _lastHoldLog = DateTime.MinValue;
    private int _holdsSinceLog;

    public SpanEmitter(PipelineServices ctx, IReadOnlyList<ISpanExporter> exporters)
        : base(ctx.Tracker)
    {
        _pipeline = ctx;
        _queues = [.. exporters.Select((e, i) => new ExporterQueue(e, i))];
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineServices ctx, IReadOnlyList<ISpanExporter> exporters) =>
        Akka.Actor.Props.Create(() => new SpanEmitter(ctx, exporters));

    private const string FlushCheckTimer = "flush-check";
    private static readonly TimeSpan FlushCheckInterval = TimeSpan.FromMilliseconds(200);

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _pipeline.Settings.BatchInterval);

    /// <summary>Sources are never left held by an emitter that is gone (restarted or stopping).</summary>
    protected override void PostStop()
    {
        Tracker.ExportBehind = false;
        base.PostStop();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case EmitSpans e:
                Tracker.SpansTaken(e.Trace.Spans.Length);
                Add(e.Trace);
                break;
            case TraceSpans t:
                Add(t);
                break;
            case Tick:
                CutBatch();
                break;
            case Flush f:
                CutBatch();
                StartFlush(f);
                CheckFlush();
                break;
            case FlushCheck:
                CheckFlush();
                break;
            case ExportResult r:
                OnExported(r);
                Pump(_queues[r.Queue]);
                AnswerFlushIfDrained();
                HoldSourcesWhileBehind();
                break;
            case Retry r:
                _queues[r.Queue].RetryDue = true;
                Pump(_queues[r.Queue]);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Add(TraceSpans t)
    {
        _forming.Add(t);
        _formingSpans += t.Spans.Length;
        if (_formingSpans >= _pipeline.Settings.BatchSize) CutBatch();
    }

    private void CutBatch()
    {
        if (_forming.Count == 0) return;
        var batch = new Batch([.. _forming], _formingSpans) { Remaining = _queues.Length };
        _forming.Clear();
        _formingSpans = 0;
        foreach (var q in _queues)
        {
            q.Pending.Enqueue(batch);
            q.Spans += batch.Spans;
            while (q.Spans > _pipeline.Settings.MaxBufferedSpans && q.Pending.Count > 1)
            {
                // The oldest waiting batch goes (not the one being exported right now).
                var dropped = q.InFlight ? DropSecondOldest(q) : q.Pending.Dequeue();
                q.Spans -= dropped.Spans;
                _pipeline.Metrics.Dropped(dropped.Spans, $"{q.Exporter.Name} behind: its buffer of {_pipeline.Settings.MaxBufferedSpans} spans was full");
                q.DroppedSinceLog += dropped.Spans;
            }
            if (q.DroppedSinceLog > 0 && DateTime.UtcNow - q.LastDropLog >= DropLogInterval)
            {
                _log.Warning("Exporter {0} is behind: its buffer of {1} spans is full; dropped the {2} oldest spans since the last report",
                    q.Exporter.Name, _pipeline.Settings.MaxBufferedSpans, q.DroppedSinceLog);
                q.DroppedSinceLog = 0;
                q.LastDropLog = DateTime.UtcNow;
            }
            Pump(q);
        }
        HoldSourcesWhileBehind();
    }

    /// <summary>
    /// Holds this node's sources while an exporter that works (its last attempt succeeded) holds more than a quarter of
    /// the buffer, with the spans still on their way here (<see cref="PipelineTracker.SpansOnTheWay"/>: in this
    /// mailbox or the ledger's), and lets them go once under an eighth (or it fails: a dead backend must not stop the
    /// watches). A quarter, not more: what is already inside the pipeline (facts in flight, families waiting for their
    /// settle period) still becomes spans after the sources stopped, and must fit in the rest.
    /// </summary>
    private void HoldSourcesWhileBehind()
    {
        var max = _pipeline.Settings.MaxBufferedSpans;
        var holding = Tracker.ExportBehind;
        var coming = Math.Max(0, Tracker.SpansOnTheWay);
        ExporterQueue? behind = null;
        foreach (var q in _queues)
        {
            if (q.Failures == 0 && q.Spans + coming > (holding ? max / 8 : max / 4)) behind = q;
        }
        if ((behind is not null) == holding) return;
        Tracker.ExportBehind = behind is not null;
        if (behind is null)
        {
            _log.Debug("Exporters caught up: the sources of this node go on");
            return;
        }
        _pipeline.Metrics.ExportWait();
        _holdsSinceLog++;
        if (DateTime.UtcNow - _lastHoldLog < DropLogInterval) return;
        _log.Warning("Exporter {0} is behind ({1} spans waiting and {2} on their way, its buffer holds {3}): the sources of this node wait until they are under {4} ({5} times since the last report)",
            behind.Exporter.Name, behind.Spans, coming, max, max / 8, _holdsSinceLog);
        _holdsSinceLog = 0;
        _lastHoldLog = DateTime.UtcNow;
    }

    private static Batch DropSecondOldest(ExporterQueue q)
    {
        var head = q.Pending.Dequeue();
        var dropped = q.Pending.Dequeue();
        var rest = q.Pending.ToArray();
        q.Pending.Clear();
        q.Pending.Enqueue(head);
        foreach (var b in rest) q.Pending.Enqueue(b);
        return dropped;
    }

    private void Pump(ExporterQueue q)
    {
        // Exports complete off the actor; one that completes at once (an in-process exporter) is handled inline, so
        // its next batch does not wait behind every message queued in the meantime.
        while (!q.InFlight && q.Pending.Count > 0 && (q.Failures == 0 || q.RetryDue))
        {
            q.InFlight = true;
            q.RetryDue = false;
            var task = ExportAsync(q.Exporter, q.Index, q.Pending.Peek());
            if (!task.IsCompleted)
            {
                task.PipeTo(Self);
                return;
            }
            OnExported(task.Result);
        }
    }

    private static async Task<ExportResult> ExportAsync(ISpanExporter exporter, int index, Batch batch)
    {
        ExportOutcome outcome;
        try
        {
            outcome = await exporter.ExportAsync(batch.Traces, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            outcome = ExportOutcome.Retryable;
        }
        return new ExportResult(index, outcome);
    }

    private void OnExported(ExportResult r)
    {
        var q = _queues[r.Queue];
        q.InFlight = false;
        if (q.Abandoned)
        {
            // A flush gave up on this batch while it was being exported: it is already counted as dropped.
            q.Abandoned = false;
            return;
        }
        if (r.Outcome == ExportOutcome.Permanent)
        {
            // The backend will never take this batch (it said so: a malformed request, refused credentials): retrying
            // would only hold every later batch behind it. Dropped and counted; the next batch goes out.
            var refused = q.Pending.Dequeue();
            q.Spans -= refused.Spans;
            _pipeline.Metrics.ExportFailed();
            _pipeline.Metrics.Dropped(refused.Spans, q.Exporter.LastError is { } error ? $"{q.Exporter.Name}: {error}" : $"{q.Exporter.Name} refused a batch");
            _log.Error("Exporter {0} refused a batch for good ({1}): its {2} spans are dropped, not retried",
                q.Exporter.Name, q.Exporter.LastError ?? "no reason given", refused.Spans);
            q.Backoff.Reset();
            return;
        }
        if (r.Outcome == ExportOutcome.Ok)
        {
            var done = q.Pending.Dequeue();
            q.Spans -= done.Spans;
            q.LastSuccess = DateTime.UtcNow;
            if (--done.Remaining == 0)
            {
                _pipeline.Metrics.Exported(done.Spans);
                // Replicas record what is exported only once it is (EmittedLedger): a replica killed before its export
                // leaves those spans to the survivors' rebuild instead of marking them as done.
                if (_pipeline.Settings.ReplicatesEmitted) Context.System.EventStream.Publish(new SpansExported(done.Traces));
            }
            if (q.Failures >= _pipeline.Settings.ExportAttempts) _log.Info("Exporter {0} recovered after {1} failed attempts", q.Exporter.Name, q.Failures);
            q.Backoff.Reset();
            return;
        }
        var delay = q.Backoff.Next();
        _pipeline.Metrics.ExportFailed();
        if (q.Failures == _pipeline.Settings.ExportAttempts || (q.Failures > _pipeline.Settings.ExportAttempts && q.Failures % 20 == 0))
        {
            _log.Warning("Exporter {0} failed {1} times in a row; holding {2} spans and retrying with backoff (up to {3} s)",
                q.Exporter.Name, q.Failures, q.Spans, (int)q.Backoff.Max.TotalSeconds);
        }
        Timers.StartSingleTimer("retry-" + q.Index, new Retry(q.Index), delay);
    }

    /// <summary>Nothing forming, nothing waiting, nothing being exported (but a batch a flush gave up on).</summary>
    private bool Drained => _forming.Count == 0 && _queues.All(q => q.Pending.Count == 0 && (!q.InFlight || q.Abandoned));

    private void StartFlush(Flush f)
    {
        var now = DateTime.UtcNow;
        if (_flushWaiters.Count == 0)
        {
            _flushStarted = now;
            _flushPatience = f.Patience;
            _flushDeadline = f.Deadline;
            Timers.StartPeriodicTimer(FlushCheckTimer, FlushCheck.Instance, FlushCheckInterval);
        }
        else
        {
            // Several waiters: the most impatient one decides.
            if (f.Patience < _flushPatience) _flushPatience = f.Patience;
            if (f.Deadline is { } d && (_flushDeadline is null || d < _flushDeadline)) _flushDeadline = d;
        }
        _flushWaiters.Add(Sender);
    }

    /// <summary>
    /// A flush cannot wait forever on a dead or stalled backend: an exporter that took nothing for the flush's patience,
    /// or holds anything at its deadline, is given up on; what it holds (the batch being exported included) is dropped
    /// and counted with the reason.
    /// </summary>
    private void CheckFlush()
    {
        if (_flushWaiters.Count == 0) return;
        var now = DateTime.UtcNow;
        foreach (var q in _queues)
        {
            if (q.Pending.Count == 0) continue;
            var idle = now - (q.LastSuccess > _flushStarted ? q.LastSuccess : _flushStarted);
            if (_flushDeadline is { } deadline && now >= deadline) GiveUp(q, "still held at the shutdown deadline");
            else if (idle >= _flushPatience) GiveUp(q, $"took nothing for {idle.TotalSeconds:F0} s");
        }
        AnswerFlushIfDrained();
        HoldSourcesWhileBehind();
    }

    private void GiveUp(ExporterQueue q, string why)
    {
        var lost = q.Pending.Sum(b => b.Spans);
        q.Pending.Clear();
        q.Spans = 0;
        if (q.InFlight) q.Abandoned = true;
        if (lost == 0) return;
        var reason = q.Exporter.LastError is { } error ? $"{q.Exporter.Name}: {error}"
            : q.Failures > 0 ? $"{q.Exporter.Name} failing ({q.Failures} attempts in a row)"
            : $"{q.Exporter.Name} {why}";
        _pipeline.Metrics.Dropped(lost, reason);
        _log.Error("Exporter {0} {1} ({2} failed attempts in a row): {3} spans it still held are dropped", q.Exporter.Name, why, q.Failures, lost);
    }

    private void AnswerFlushIfDrained()
    {
        if (_flushWaiters.Count == 0 || !Drained) return;
        foreach (var w in _flushWaiters) w.Tell(FlushDone.Instance);
        _flushWaiters.Clear();
        Timers.Cancel(FlushCheckTimer);
    }

    private sealed record Batch(IReadOnlyList<TraceSpans> Traces, int Spans)
    {
        /// <summary>Exporters that still have to take it; at zero its spans count as exported.</summary>
        public int Remaining { get; set; }
    }

    private sealed class ExporterQueue(ISpanExporter exporter, int index)
    {
        public ISpanExporter Exporter { get; } = exporter;
        public int Index { get; } = index;
        public Queue<Batch> Pending { get; } = new();
        public int Spans;
        public bool InFlight;
        public bool RetryDue;

        /// <summary>A flush gave up on the batch being exported: its result, when it comes, changes nothing.</summary>
        public bool Abandoned;

        public DateTime LastSuccess = DateTime.MinValue;
        /// <summary>Waits between failed attempts: from 100 ms, doubling, at most 30 s.</summary>
        public Backoff Backoff { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

        public int Failures => Backoff.Failures;
        public long DroppedSinceLog;
        public DateTime LastDropLog = DateTime.MinValue;
    }

    private sealed record ExportResult(int Queue, ExportOutcome Outcome);

    private sealed record Retry(int Queue);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class FlushCheck
    {
        public static readonly FlushCheck Instance = new();
    }
}
