using System.Globalization;
using System.Text;
using System.Text.Json;
using KSpanActors.Export.Waterfall;
using KSpanActors.Model;

namespace KSpanActors.Export.Summary;

/// <summary>
/// The <see cref="FleetSummary"/> of the traces a long-running process (<c>watch</c>, <c>demo --follow</c>) exported
/// so far, kept incrementally in bounded memory: per cluster and namespace a count, the sum and maximum of durations,
/// a <see cref="DurationSketch"/> for p50/p95, the time per phase and the <see cref="FleetSummary.Slowest"/> slowest
/// trace ids with their verdict; never the traces themselves. At most <see cref="MaxNamespaces"/> cluster and namespace
/// pairs are told apart; changes of further namespaces are counted under <c>(other namespaces)</c> of their cluster.
/// A trace counts once, from the batch that carries its root: late spans exported after it are not added to it.
/// Thread-safe: exporters add, the HTTP handler renders concurrently.
/// </summary>
internal sealed class LiveFleetSummary(DateTimeOffset since, int maxNamespaces = LiveFleetSummary.MaxNamespaces)
{
    public const int MaxNamespaces = 1_000;

    public const string OtherNamespaces = "(other namespaces)";

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Cluster, string Namespace), GroupState> _groups = [];
    private long _changes;
    private long _lateBatches;

    public DateTimeOffset Since { get; } = since;

    /// <summary>Changes counted so far.</summary>
    public long Changes
    {
        get
        {
            lock (_gate) return _changes;
        }
    }

    /// <summary>Counters held by every group's sketch: the memory bound in numbers (tests, and nothing else).</summary>
    internal int HeldCounters()
    {
        lock (_gate) return _groups.Values.Sum(g => g.Durations.Held + g.Slowest.Count);
    }

    internal int Groups()
    {
        lock (_gate) return _groups.Count;
    }

    /// <summary>Adds a trace's change (its root's batch); a batch without a root (late spans) is only counted.</summary>
    public void Add(TraceSpans trace)
    {
        // The trace's phases are worked out before the lock; the verdict only for a trace that is among the slowest.
        if (FleetSummary.ChangeOf(trace) is not { } change)
        {
            if (!trace.Spans.IsDefaultOrEmpty) Interlocked.Increment(ref _lateBatches);
            return;
        }
        bool slow;
        lock (_gate)
        {
            var group = GroupOf(change.Cluster, change.Namespace);
            group.Changes++;
            group.TotalDuration += change.Duration;
            group.Durations.Add(change.Duration);
            foreach (var (kind, time) in change.Phases) group.Phases[kind] = group.Phases.GetValueOrDefault(kind) + time;
            _changes++;
            slow = group.WouldBeSlowest(change.Duration, change.Trace);
        }
        if (!slow) return;
        var verdict = Verdict.Describe(trace);
        lock (_gate)
        {
            GroupOf(change.Cluster, change.Namespace).AddSlowest(new FleetSummary.SlowChange(change.Trace, change.Duration, verdict));
        }
    }

    /// <summary>The page: what it covers (this replica's traces, since when, the bound), then the same lines as <c>summary PATH</c>.</summary>
    public IReadOnlyList<string> Render(DateTimeOffset now)
    {
        var (groups, changes, late) = Snapshot();
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"kspan-actors /summary: this replica's traces only, {changes:N0} changes exported since {Since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} ({DurationText.Format(Elapsed(now).Ticks * 100)} ago)" +
                $"{(late > 0 ? $"; {late:N0} batches of late spans not counted" : "")}"),
            string.Create(CultureInfo.InvariantCulture,
                $"bounded: p50/p95 exact up to {DurationSketch.ExactUpTo} changes per namespace, then within {DurationSketch.RelativeAccuracy * 100:0.#}%; counts, max, phase shares and slowest exact; " +
                $"at most {maxNamespaces:N0} namespaces, then {OtherNamespaces}"),
        };
        lines.AddRange(FleetSummary.Lines(groups));
        return lines;
    }

    /// <summary>The same as JSON (<c>/summary?format=json</c>); durations in seconds. Not for embedding in HTML (quotes and
    /// non-ASCII are left as they are, to stay readable).</summary>
    public string RenderJson(DateTimeOffset now)
    {
        var (groups, changes, late) = Snapshot();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("scope", "this replica's traces");
            json.WriteString("since", Since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteNumber("elapsedSeconds", Seconds(Elapsed(now)));
            json.WriteNumber("changes", changes);
            json.WriteNumber("lateSpanBatchesNotCounted", late);
            json.WriteNumber("quantilesExactUpTo", DurationSketch.ExactUpTo);
            json.WriteNumber("quantileRelativeAccuracy", DurationSketch.RelativeAccuracy);
            json.WriteNumber("maxNamespaces", maxNamespaces);
            json.WriteStartArray("groups");
            foreach (var g in groups.OrderByDescending(g => g.Max).ThenBy(g => g.Cluster, StringComparer.Ordinal).ThenBy(g => g.Namespace, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("cluster", g.Cluster);
                json.WriteString("namespace", g.Namespace);
                json.WriteNumber("changes", g.Changes);
                json.WriteNumber("p50Seconds", Seconds(g.P50));
                json.WriteNumber("p95Seconds", Seconds(g.P95));
                json.WriteNumber("maxSeconds", Seconds(g.Max));
                json.WriteStartObject("phaseShares");
                foreach (var (kind, time) in FleetSummary.Shares(g)) json.WriteNumber(FleetSummary.Label(kind), Math.Round((double)time / g.TotalDuration, 4));
                json.WriteEndObject();
                json.WriteStartArray("slowest");
                foreach (var s in g.Slowest)
                {
                    json.WriteStartObject();
                    json.WriteString("traceId", s.Trace.ToHex());
                    json.WriteNumber("durationSeconds", Seconds(s.Duration));
                    json.WriteString("verdict", s.Verdict);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private (List<FleetSummary.Group> Groups, long Changes, long Late) Snapshot()
    {
        lock (_gate)
        {
            var groups = _groups.Select(g => new FleetSummary.Group(
                g.Key.Cluster, g.Key.Namespace, g.Value.Changes, g.Value.Durations.Percentile(0.50), g.Value.Durations.Percentile(0.95), g.Value.Durations.Max,
                g.Value.TotalDuration, new Dictionary<PhaseKind, long>(g.Value.Phases), [.. g.Value.Slowest])).ToList();
            return (groups, _changes, Interlocked.Read(ref _lateBatches));
        }
    }

    private TimeSpan Elapsed(DateTimeOffset now) => now > Since ? now - Since : TimeSpan.Zero;

    private static double Seconds(long ns) => Math.Round(ns / 1e9, 3);

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    private GroupState GroupOf(string cluster, string ns)
    {
        if (_groups.TryGetValue((cluster, ns), out var group)) return group;
        if (_groups.Count >= maxNamespaces) ns = OtherNamespaces;
        if (!_groups.TryGetValue((cluster, ns), out group)) _groups[(cluster, ns)] = group = new GroupState();
        return group;
    }

    private sealed class GroupState
    {
        public long Changes;
        public long TotalDuration;
        public readonly DurationSketch Durations = new();
        public readonly Dictionary<PhaseKind, long> Phases = [];

        /// <summary>Slowest first, at most <see cref="FleetSummary.Slowest"/>.</summary>
        public readonly List<FleetSummary.SlowChange> Slowest = [];

        public bool WouldBeSlowest(long duration, TraceId trace) =>
            Slowest.Count < FleetSummary.Slowest || FleetSummary.SlowestFirst.Compare((duration, trace), (Slowest[^1].Duration, Slowest[^1].Trace)) < 0;

        public void AddSlowest(FleetSummary.SlowChange change)
        {
            if (Slowest.Exists(s => s.Trace == change.Trace) || !WouldBeSlowest(change.Duration, change.Trace)) return;
            var at = Slowest.FindIndex(s => FleetSummary.SlowestFirst.Compare((change.Duration, change.Trace), (s.Duration, s.Trace)) < 0);
            Slowest.Insert(at < 0 ? Slowest.Count : at, change);
            if (Slowest.Count > FleetSummary.Slowest) Slowest.RemoveAt(Slowest.Count - 1);
        }
    }
}
