using System.Collections.Concurrent;
using System.Diagnostics;
using KSpanActors.Export;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Bench;

/// <summary>
/// Measures, per trace, the lag from the last Event of the trace fed to the pipeline to the export of the trace's root
/// (the storm and latency modes).
/// <para>
/// How a fed Event is attributed to its trace: the pipeline gives every event occurrence the span id
/// <see cref="StableHash.Event"/>(cluster, event uid, count) (a root made from a topLevelSpan event takes the change's
/// root id, and <see cref="TraceAssembler.OccurrenceIdOfRoot"/> gives back its occurrence id). <see cref="Fed"/> notes the
/// time under that id; when a span with that id is exported, the note is taken and counted for the span's trace id. So
/// the trace an Event belongs to is the one the pipeline put it in, whatever its owners, generation or arrival order:
/// the bench decides nothing about it.
/// </para>
/// <para>
/// The lag of a trace = time its root was first exported − the latest feed time among its Events fed before that
/// export. Events fed after it (a crash loop's later repeats, exported as late spans of the same trace id) do not count;
/// an Event fed before the root's export but exported after it (a late span: it reached its actor after the trace settled)
/// does. A trace whose root was not exported while recording (<see cref="Close"/>), or that holds no Event noted here,
/// has no lag.
/// </para>
/// </summary>
internal sealed class RootLagExporter : ISpanExporter
{
    private readonly ConcurrentDictionary<ulong, long> _fed = new();
    private readonly Dictionary<TraceId, TraceLag> _traces = [];
    private readonly Lock _gate = new();
    private long _closedAt = long.MaxValue;
    private long _spans;

    public string Name => "lag";

    /// <summary>Event occurrences noted and not yet seen exported.</summary>
    public int Pending => _fed.Count;

    /// <summary>Spans exported so far (every span, noted or not).</summary>
    public long Spans => Interlocked.Read(ref _spans);

    /// <summary>Notes that this occurrence is fed now (call it just before handing the fact to the pipeline).</summary>
    public void Fed(EventObserved e) => Fed(e, Stopwatch.GetTimestamp());

    public void Fed(EventObserved e, long timestamp) => _fed[StableHash.Event(e.Cluster, e.EventUid, e.Count).Value] = timestamp;

    /// <summary>Roots exported from now on are not measured (counted in <see cref="Summary.RootsAfterClose"/>): the final drain forces them out before their settle.</summary>
    public void Close() => Interlocked.Exchange(ref _closedAt, Stopwatch.GetTimestamp());

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var t in batch)
            {
                Interlocked.Add(ref _spans, t.Spans.Length);
                TraceLag? lag = null;
                foreach (var s in t.Spans)
                {
                    var id = TraceAssembler.OccurrenceIdOfRoot(s) ?? s.SpanId;
                    var fed = _fed.TryRemove(id.Value, out var at) ? at : (long?)null;
                    if (!s.IsRoot && fed is null) continue;
                    lag ??= _traces.TryGetValue(t.TraceId, out var known) ? known : _traces[t.TraceId] = new TraceLag();
                    if (fed is { } f) lag.Note(f);
                    if (s.IsRoot) lag.RootExported(now, s);
                }
            }
        }

        return Task.FromResult(ExportOutcome.Ok);
    }

    /// <summary>The lags (ms) of the traces measured, and what was left out.</summary>
    public Summary Measure()
    {
        lock (_gate)
        {
            var lags = new List<double>();
            var superseded = new List<double>();
            var last = new List<double>();
            int noRoot = 0, afterClose = 0;
            long late = 0;
            var newest = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var t in _traces.Values)
            {
                if (t.Top is { } top) newest[top] = Math.Max(newest.GetValueOrDefault(top), t.Generation);
            }
            foreach (var t in _traces.Values)
            {
                late += t.FedAfterRoot;
                if (t.RootAt is not { } root || t.LastFedBeforeRoot is not { } fed)
                {
                    if (t.RootAt is null && t.AnyFed) noRoot++;
                    continue;
                }
                if (root >= Interlocked.Read(ref _closedAt))
                {
                    afterClose++;
                    continue;
                }
                var ms = Stopwatch.GetElapsedTime(fed, root).TotalMilliseconds;
                lags.Add(ms);
                (t.Top is { } top && t.Generation < newest[top] ? superseded : last).Add(ms);
            }
            lags.Sort();
            superseded.Sort();
            last.Sort();
            return new Summary(lags, last, superseded, noRoot, afterClose, late);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Lags in ms, sorted; the same split (sorted too) between the traces of the newest generation of their top-level object
    /// measured here and those superseded by a later one (a trace is exported when its object is quiet, so an earlier
    /// generation whose successor follows within the settle period waits for the successor's events); traces with noted
    /// Events whose root was not exported; roots exported after <see cref="Close"/>; Events fed after their trace's root was
    /// exported (late spans, not in any lag).
    /// </summary>
    internal sealed record Summary(
        IReadOnlyList<double> Lags, IReadOnlyList<double> Newest, IReadOnlyList<double> Superseded, int WithoutRoot, int RootsAfterClose, long FedAfterRoot)
    {
        public int Count => Lags.Count;

        public double P50 => Percentile(Lags, 0.50);

        public double P99 => Percentile(Lags, 0.99);

        public double Max => Lags.Count == 0 ? 0 : Lags[^1];
    }

    /// <summary>The value at rank ⌊p·n⌋ (0-based) of sorted values, the last one at most; 0 for none.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>One trace: when its root was first exported, and the latest feed time of its Events fed before then.</summary>
    private sealed class TraceLag
    {
        private long _lastFed = long.MinValue;

        public long? RootAt { get; private set; }

        /// <summary>The root's resource and attributes but its generation: the same for every trace of one top-level object.</summary>
        public string? Top { get; private set; }

        public long Generation { get; private set; }

        public bool AnyFed { get; private set; }

        /// <summary>Events of this trace fed after its root was exported (late spans: a busy object exports before it is quiet).</summary>
        public int FedAfterRoot { get; private set; }

        public long? LastFedBeforeRoot => _lastFed == long.MinValue ? null : _lastFed;

        /// <summary>
        /// An Event of this trace, fed at <paramref name="fed"/>, is exported now. Before the root's export is known, it was
        /// fed before now, so before the root's export too; after, it counts only if fed before the root's export.
        /// </summary>
        public void Note(long fed)
        {
            AnyFed = true;
            if (RootAt is null || fed <= RootAt) _lastFed = Math.Max(_lastFed, fed);
            else FedAfterRoot++;
        }

        /// <summary>The root is exported now; only its first export counts.</summary>
        public void RootExported(long at, SpanRecord root)
        {
            if (RootAt is not null) return;
            RootAt = at;
            var top = new System.Text.StringBuilder(root.Resource.ClusterName);
            foreach (var a in root.Attributes)
            {
                if (a.Key == "k8s.object.generation") Generation = a.IntValue;
                else top.Append('|').Append(a.Key).Append('=').Append(a.StringValue ?? a.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Top = top.ToString();
        }
    }
}
