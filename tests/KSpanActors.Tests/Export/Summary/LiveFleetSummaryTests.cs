using System.Collections.Immutable;
using System.Text.Json;
using KSpanActors.Export.Summary;
using KSpanActors.Model;
using KSpanActors.Tests.Export.Waterfall;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Summary;

/// <summary>The /summary page's summary: kept incrementally, in bounded memory, with the same lines as <c>summary PATH</c>.</summary>
public sealed class LiveFleetSummaryTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The hand-made rollout as trace <paramref name="n"/> of namespace <paramref name="ns"/>, its root lasting <paramref name="seconds"/>.</summary>
    private static TraceSpans Rollout(int n, string ns = "default", double seconds = 9.1, string cluster = "kind-dev")
    {
        var id = new TraceId(0x1000 + (ulong)n, 0xabc);
        var spans = RolloutSpans.Rollout().Select(s =>
        {
            var span = s.IsRoot ? Root(seconds) : s;
            var attrs = span.Attributes.Select(a => a.Key == "k8s.namespace.name" ? SpanAttribute.Of(a.Key, ns) : a).ToImmutableArray();
            return span with { TraceId = id, Attributes = attrs, Resource = span.Resource with { ClusterName = cluster } };
        });
        return new TraceSpans(id, [.. spans]);
    }

    /// <summary>A change with a root only (no phase), lasting <paramref name="ns"/> nanoseconds.</summary>
    private static TraceSpans RootOnly(int n, long ns, string @namespace = "default")
    {
        var id = new TraceId(0x2000 + (ulong)n, 0xdef);
        var root = Root() with { TraceId = id, EndNs = T0 + ns };
        root = root with { Attributes = [.. root.Attributes.Select(a => a.Key == "k8s.namespace.name" ? SpanAttribute.Of(a.Key, @namespace) : a)] };
        return new TraceSpans(id, [root]);
    }

    [Fact]
    public void A_few_traces_give_the_same_lines_as_the_summary_command_under_a_header_naming_this_replica_and_since_when()
    {
        TraceSpans[] traces = [Rollout(1, "default", 9.1), Rollout(2, "default", 12), Rollout(3, "shop", 30), Rollout(4, "default", 10), Rollout(5, "default", 9.5)];
        var live = new LiveFleetSummary(Since);
        foreach (var t in traces) live.Add(t);

        var page = live.Render(Since.AddMinutes(90));

        Assert.Equal(FleetSummary.Render(traces), page.Skip(2));
        Assert.StartsWith("kspan-actors /summary: this replica's traces only, 5 changes exported since 2026-11-03T10:00:00Z (1h30m ago)", page[0], StringComparison.Ordinal);
        Assert.Contains("exact up to 128 changes per namespace, then within 1%", page[1], StringComparison.Ordinal);
        // Four in default: the three slowest are named, slowest first.
        var defaultAt = page.ToList().FindIndex(l => l.StartsWith("kind-dev/default:", StringComparison.Ordinal));
        Assert.Equal([Rollout(2).TraceId.ToHex(), Rollout(4).TraceId.ToHex(), Rollout(5).TraceId.ToHex()],
            page.Skip(defaultAt + 1).Take(3).Select(l => l.Trim()[..32]));
    }

    [Fact]
    public void Percentiles_after_many_changes_are_within_one_percent_of_the_exact_ones_and_memory_stays_bounded()
    {
        var random = new Random(13);
        var durations = new List<long>();
        var live = new LiveFleetSummary(Since);
        for (var i = 0; i < 20_000; i++)
        {
            // 100 ms to 3 h, log-uniform: rollouts of every size.
            var ns = (long)Math.Exp(random.NextDouble() * Math.Log(108_000) + Math.Log(1e8));
            durations.Add(ns);
            live.Add(RootOnly(i, ns));
        }
        durations.Sort();
        var sketch = new DurationSketch();
        foreach (var d in durations.OrderBy(_ => random.Next())) sketch.Add(d);

        foreach (var p in new[] { 0.5, 0.95, 0.99 })
        {
            var exact = FleetSummary.Percentile(durations, p);
            Assert.InRange(sketch.Percentile(p), exact * 0.99, exact * 1.01);
        }
        Assert.Equal(durations[^1], sketch.Max);
        Assert.False(sketch.Exact);
        Assert.InRange(sketch.Held, 1, 700); // buckets of 2% over 100 ms..3 h: 574 and some room to grow, never 20,000 durations
        Assert.Equal(20_000, live.Changes);
        Assert.InRange(live.HeldCounters(), 1, DurationSketch.MaxBuckets + FleetSummary.Slowest);
        var line = Assert.Single(live.Render(Since), l => l.StartsWith("kind-dev/default:", StringComparison.Ordinal));
        Assert.StartsWith("kind-dev/default: 20000 changes, p50 ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_are_exact_up_to_the_limit_and_a_zero_duration_counts()
    {
        var sketch = new DurationSketch();
        for (var i = 0; i < DurationSketch.ExactUpTo; i++) sketch.Add(i * 1_000_000L);

        Assert.True(sketch.Exact);
        Assert.Equal(63_000_000L, sketch.Percentile(0.5));
        Assert.Equal(0, sketch.Min);

        sketch.Add(0);
        Assert.False(sketch.Exact);
        Assert.InRange(sketch.Percentile(0.5), 63_000_000L * 0.99, 63_000_000L * 1.01); // 0, 0, 1 ms ... 127 ms: the 65th
        Assert.Equal(0, sketch.Percentile(0.001)); // zeros have their own bucket
    }

    [Fact]
    public void Durations_from_one_nanosecond_to_the_largest_stay_within_the_bucket_bound()
    {
        var sketch = new DurationSketch();
        for (var i = 0; i <= DurationSketch.ExactUpTo; i++) sketch.Add(1);
        sketch.Add(long.MaxValue);
        for (var ns = 1L; ns < long.MaxValue / 3; ns *= 3) sketch.Add(ns);

        Assert.InRange(sketch.Held, 1, DurationSketch.MaxBuckets);
        Assert.Equal(1, sketch.Percentile(0.5));
        Assert.Equal(long.MaxValue, sketch.Percentile(1));
    }

    [Fact]
    public void The_slowest_are_the_true_slowest_whatever_the_order_they_arrive_in()
    {
        var live = new LiveFleetSummary(Since);
        var order = Enumerable.Range(0, 2_000).OrderBy(i => (i * 7919) % 2_003).ToList(); // a fixed shuffle
        foreach (var i in order) live.Add(RootOnly(i, (i + 1) * 10_000_000L));

        var named = live.Render(Since).Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()[..32]).ToList();

        Assert.Equal([RootOnly(1999, 0).TraceId.ToHex(), RootOnly(1998, 0).TraceId.ToHex(), RootOnly(1997, 0).TraceId.ToHex()], named);
    }

    [Fact]
    public void Namespaces_beyond_the_bound_are_counted_together_per_cluster()
    {
        var live = new LiveFleetSummary(Since, maxNamespaces: 4);
        for (var i = 0; i < 40; i++) live.Add(RootOnly(i, 1_000_000_000L, $"ns-{i % 10}"));

        var page = live.Render(Since);

        Assert.Equal(5, live.Groups());
        Assert.Contains(page, l => l.StartsWith("kind-dev/(other namespaces): 24 changes", StringComparison.Ordinal));
        Assert.StartsWith("summary: 40 changes in 1 cluster(s)", page[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Late_spans_alone_are_not_a_change_and_the_page_says_how_many_batches_were_left_out()
    {
        var live = new LiveFleetSummary(Since);
        var trace = Rollout(1);
        live.Add(trace);
        live.Add(new TraceSpans(trace.TraceId, [.. trace.Spans.Where(s => !s.IsRoot).Take(1)]));

        var page = live.Render(Since);

        Assert.Equal(1, live.Changes);
        Assert.Contains("1 changes exported since", page[0], StringComparison.Ordinal);
        Assert.EndsWith("; 1 batches of late spans not counted", page[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Json_gives_the_same_numbers_in_seconds()
    {
        var live = new LiveFleetSummary(Since);
        live.Add(Rollout(1));

        using var doc = JsonDocument.Parse(live.RenderJson(Since.AddSeconds(5)));

        var root = doc.RootElement;
        Assert.Equal("this replica's traces", root.GetProperty("scope").GetString());
        Assert.Equal("2026-11-03T10:00:00Z", root.GetProperty("since").GetString());
        Assert.Equal(1, root.GetProperty("changes").GetInt64());
        var group = Assert.Single(root.GetProperty("groups").EnumerateArray());
        Assert.Equal("default", group.GetProperty("namespace").GetString());
        Assert.Equal(9.1, group.GetProperty("p95Seconds").GetDouble());
        Assert.Equal(0.6484, group.GetProperty("phaseShares").GetProperty("image pull").GetDouble()); // 5.9 s of 9.1 s
        var slow = Assert.Single(group.GetProperty("slowest").EnumerateArray());
        Assert.Equal(Rollout(1).TraceId.ToHex(), slow.GetProperty("traceId").GetString());
        Assert.Contains("critical path: image pull", slow.GetProperty("verdict").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_from_several_threads_while_the_page_is_read_loses_no_change()
    {
        var live = new LiveFleetSummary(Since);
        using var stop = new CancellationTokenSource();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            var reads = 0;
            do
            {
                _ = live.Render(Since);
                _ = live.RenderJson(Since);
                reads++;
                reading.TrySetResult();
            }
            while (!stop.IsCancellationRequested);
            return reads;
        });
        await reading.Task; // the page is being read while the writers add

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++) live.Add(RootOnly(w * 1_000 + i, (i + 1) * 1_000_000L, $"ns-{w}"));
        })));
        await stop.CancelAsync();

        Assert.True(await reader > 0);
        Assert.Equal(2_000, live.Changes);
        Assert.All(Enumerable.Range(0, 4), w => Assert.Contains(live.Render(Since), l => l.StartsWith($"kind-dev/ns-{w}: 500 changes", StringComparison.Ordinal)));
    }
}
