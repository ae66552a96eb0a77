using KSpanActors.Export.Summary;
using KSpanActors.Model;
using KSpanActors.Tests.Host;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Summary;

/// <summary>Where the fleet loses time: per cluster and namespace, durations, phase shares and the slowest trace ids.</summary>
[Collection("akka-cluster")]
public sealed class FleetSummaryTests
{
    private static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay", "rollout.capture.yaml");

    [Fact]
    public void A_namespace_line_gives_the_count_the_percentiles_and_the_phase_shares_and_the_slowest_trace_is_named_in_full()
    {
        var lines = FleetSummary.Render([Group(Rollout())]);

        Assert.StartsWith("summary: 1 changes in 1 cluster(s)", lines[0], StringComparison.Ordinal);
        var ns = Assert.Single(lines, l => l.Contains("/default:", StringComparison.Ordinal));
        Assert.Contains("1 changes, p50 9.1s, p95 9.1s, max 9.1s", ns, StringComparison.Ordinal);
        Assert.Contains("image pull 65%", ns, StringComparison.Ordinal); // 5.9 s of 9.1 s, as the verdict says
        var slowest = Assert.Single(lines, l => l.StartsWith("  ", StringComparison.Ordinal));
        Assert.Contains(Group(Rollout()).TraceId.ToHex(), slowest, StringComparison.Ordinal);
        Assert.Contains("critical path: image pull", slowest, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_are_nearest_rank_and_a_trace_without_a_root_is_not_a_change()
    {
        long[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100];
        Assert.Equal(10, FleetSummary.Percentile(sorted, 0.50));
        Assert.Equal(19, FleetSummary.Percentile(sorted, 0.95));
        Assert.Equal(0, FleetSummary.Percentile([], 0.5));

        var lateOnly = new TraceSpans(Group(Rollout()).TraceId, [.. Rollout().Where(s => !s.IsRoot)]);
        Assert.Equal(["summary: no change to summarise (no trace with a root)"], FleetSummary.Render([lateOnly]));
    }

    [Fact]
    public async Task The_summary_command_prints_only_the_summary_and_exits_0()
    {
        var run = await CliTests.RunAsync(new Dictionary<string, string?>(), ["summary", Capture]);

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("summary: ", run.OutLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("▶", run.Out, StringComparison.Ordinal); // no waterfall
        Assert.Contains(run.OutLines, l => l.Contains("changes, p50", StringComparison.Ordinal));
        Assert.Contains("in the summary", run.ErrLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_with_summary_prints_the_waterfall_then_the_summary()
    {
        var run = await CliTests.RunAsync(new Dictionary<string, string?>(), ["replay", Capture, "--summary"]);

        Assert.Equal(0, run.Exit);
        var waterfall = Array.FindIndex(run.OutLines, l => l.StartsWith('▶'));
        var summary = Array.FindIndex(run.OutLines, l => l.StartsWith("summary: ", StringComparison.Ordinal));
        Assert.True(waterfall >= 0 && summary > waterfall, run.Out);
    }
}
