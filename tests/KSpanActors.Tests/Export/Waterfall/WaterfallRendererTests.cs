using KSpanActors.Export.Waterfall;
using System.Text.RegularExpressions;
using KSpanActors.Model;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Waterfall;

public class WaterfallRendererTests
{
    private static readonly WaterfallOptions Plain = new();

    /// <summary>The span line (it has a bar) that draws this span name.</summary>
    private static string Line(IReadOnlyList<string> lines, string spanName) =>
        Assert.Single(lines, l => l.Contains("  [", StringComparison.Ordinal) && NameCell(l).EndsWith(spanName, StringComparison.Ordinal));

    /// <summary>The tree prefix and name of a span line, without padding.</summary>
    private static string NameCell(string line) => Regex.Match(line, @"^(\s*\S.*?)\s{2}").Groups[1].Value;

    private static string BarOf(string line, int barWidth = 30)
    {
        var open = line.IndexOf('[', StringComparison.Ordinal);
        Assert.True(open >= 0, line);
        Assert.Equal(']', line[open + barWidth + 1]);
        return line.Substring(open + 1, barWidth);
    }

    [Fact]
    public void A_rollout_is_drawn_as_a_header_a_tree_and_the_verdict()
    {
        var lines = WaterfallRenderer.Render(Group(Rollout()), Plain);

        Assert.Equal("▶ Deployment.Update  kubectl-client-side-apply  trace 4bf92f3577b34da6a3ce929d0e0e4736  9.1s", lines[0]);
        Assert.Equal(
            [
                "Deployment.Update",
                "└─ Deployment.ScalingReplicaSet",
                "   └─ ReplicaSet.SuccessfulCreate",
                "      ├─ Pod.Scheduled",
                "      ├─ Pod.Pulling",
                "      ├─ Pod.Pulled",
                "      ├─ Pod.Created",
                "      ├─ Pod.Started",
                "      └─ Pod.BackOff",
            ],
            lines.Where(l => l.Contains("  [", StringComparison.Ordinal)).Select(NameCell));
        Assert.StartsWith("rollout default/px 9.1s — critical path: image pull 5.9s (65%) — 1 error: Pod.BackOff Back-off", lines[^1], StringComparison.Ordinal);
        Assert.Equal(Verdict.Describe(Group(Rollout())), lines[^1]); // never cut
    }

    [Fact]
    public void Each_span_line_shows_its_service_offset_and_duration_in_aligned_columns()
    {
        var lines = WaterfallRenderer.Render(Group(Rollout()), Plain);

        var pulling = Line(lines, "Pod.Pulling");
        Assert.Matches(@"Pod\.Pulling\s+px-7d4b9c-x2x7q\s+kubelet\s+\+200ms\s+5\.9s  \[", pulling);
        Assert.Matches(@"Pod\.Started\s+px-7d4b9c-x2x7q\s+kubelet\s+\+6\.3s\s+700ms  \[", Line(lines, "Pod.Started"));
        Assert.Matches(@"^Deployment\.Update\s+px\s+kubectl-client\S*\s+\+0s\s+9\.1s  \[", lines[1]);

        var spanLines = lines.Skip(1).Take(9).ToList();
        Assert.Single(spanLines.Select(l => l.IndexOf('[', StringComparison.Ordinal)).Distinct());
        Assert.Single(spanLines.Select(l => l.IndexOf("kubelet", StringComparison.Ordinal)).Where(i => i > 0).Distinct());
        Assert.All(lines.Take(lines.Count - 1), l => Assert.True(TextCell.Width(l) <= 100, l));
    }

    [Fact]
    public void Error_spans_are_marked_and_show_their_message()
    {
        var lines = WaterfallRenderer.Render(Group(Rollout()), Plain);

        var backOff = Line(lines, "Pod.BackOff");
        Assert.Contains("✗", backOff, StringComparison.Ordinal);
        var messageLine = lines[lines.ToList().IndexOf(backOff) + 1];
        Assert.Contains("✗ " + BackOffMessage, backOff + messageLine, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", Line(lines, "Pod.Pulling"), StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_sit_after_the_bar_when_the_line_has_room()
    {
        var lines = WaterfallRenderer.Render(Group(Rollout()), Plain with { Width = 200 });

        Assert.EndsWith("] ✗ " + BackOffMessage, Line(lines, "Pod.BackOff"), StringComparison.Ordinal);
    }

    [Fact]
    public void Bars_place_each_span_over_the_root_time()
    {
        var trace = Group(
            Span(1, 0, "Deployment.Update", "kubectl", 0, 10),
            Span(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 5, 5),
            Span(3, 1, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 5, 10),
            Span(4, 1, "Pod.Scheduled", "default-scheduler", 2.5, 5),
            Span(5, 1, "Pod.Pulled", "kubelet", 10, 10),
            Span(6, 1, "Pod.Created", "kubelet", 7, 7.01));

        var lines = WaterfallRenderer.Render(trace, Plain with { Width = 200 });

        Assert.Equal(new string('█', 30), BarOf(lines[1]));
        Assert.Equal(new string(' ', 15) + new string('█', 15), BarOf(Line(lines, "ReplicaSet.SuccessfulCreate")));
        Assert.Equal(new string(' ', 15) + "│" + new string(' ', 14), BarOf(Line(lines, "Deployment.ScalingReplicaSet")));
        Assert.Equal(new string(' ', 7) + new string('█', 8) + new string(' ', 15), BarOf(Line(lines, "Pod.Scheduled")));
        Assert.Equal(new string(' ', 29) + "│", BarOf(Line(lines, "Pod.Pulled")));
        Assert.Equal(new string(' ', 21) + "▏" + new string(' ', 8), BarOf(Line(lines, "Pod.Created")));
    }

    [Fact]
    public void The_bar_follows_the_bar_width_option()
    {
        var trace = Group(Span(1, 0, "Pod.Create", "kubectl", 0, 8), Span(2, 1, "Pod.Scheduled", "default-scheduler", 4, 8));

        var lines = WaterfallRenderer.Render(trace, Plain with { BarWidth = 12 });

        Assert.Equal("      ██████", BarOf(Line(lines, "Pod.Scheduled"), 12));
    }

    [Fact]
    public void Spans_whose_parent_is_missing_hang_under_the_root_with_a_marker()
    {
        var trace = Group(
            Span(1, 0, "Deployment.Update", "kubectl", 0, 10),
            Span(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 1, 1),
            Span(3, 0x999, "Pod.Killing", "kubelet", 4, 4),
            Span(4, 3, "Pod.Failed", "kubelet", 5, 5));

        var lines = WaterfallRenderer.Render(trace, Plain);

        Assert.StartsWith("├─ Deployment.ScalingReplicaSet", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("└─ " + WaterfallRenderer.OrphanMarker + "Pod.Killing", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("   └─ Pod.Failed", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Spans_in_a_parent_cycle_are_drawn_once_under_the_root()
    {
        var trace = Group(
            Span(1, 0, "Pod.Create", "kubectl", 0, 10),
            Span(2, 3, "Pod.Scheduled", "default-scheduler", 1, 2),
            Span(3, 2, "Pod.Pulling", "kubelet", 2, 3));

        var lines = WaterfallRenderer.Render(trace, Plain);

        Assert.Equal(5, lines.Count);
        Assert.StartsWith("└─ " + WaterfallRenderer.OrphanMarker + "Pod.Scheduled", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("   └─ Pod.Pulling", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Late_spans_of_an_exported_trace_get_their_own_header_and_are_listed_flat()
    {
        var trace = Group(
            Span(0x91, 0x30, "Pod.Killing", "kubelet", 21, 21, "Stopping container app"),
            Span(0x90, 0x20, "ReplicaSet.SuccessfulDelete", "replicaset-controller", 20, 20, "Deleted pod: px-7d4b9c-x2x7q"),
            Span(0x92, 0x30, "Pod.Unhealthy", "kubelet", 20.5, 21, "Readiness probe failed: connection refused", error: true));

        var lines = WaterfallRenderer.Render(trace, Plain with { Width = 200 });

        Assert.Equal("late spans for trace 4bf92f3577b34da6a3ce929d0e0e4736", lines[0]);
        Assert.StartsWith("  ReplicaSet.SuccessfulDelete  ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("  Pod.Unhealthy  ", lines[2], StringComparison.Ordinal);
        Assert.Contains("✗", lines[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("  Pod.Killing  ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains('├', StringComparison.Ordinal) || l.Contains('└', StringComparison.Ordinal));
        Assert.Matches(@"Pod\.Killing\s+kubelet\s+\+1\.0s\s+0s  \[ {29}│\]", Line(lines, "Pod.Killing"));
    }

    [Fact]
    public void Without_color_no_ansi_escape_is_written_and_with_color_errors_are_red()
    {
        var plain = WaterfallRenderer.Render(Group(Rollout()), Plain);
        var colored = WaterfallRenderer.Render(Group(Rollout()), Plain with { Color = true });

        Assert.DoesNotContain(plain, l => l.Contains('\u001b', StringComparison.Ordinal));
        Assert.Contains("\u001b[31m", Assert.Single(colored, l => l.Contains("Pod.BackOff  ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[31m", Assert.Single(colored, l => l.Contains("Pod.Pulling", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Long_names_and_services_are_cut_with_an_ellipsis_and_keep_the_columns()
    {
        var longName = "Pod." + new string('X', 120);
        var trace = Group(
            Span(1, 0, "Deployment.Update", "kubectl", 0, 10),
            Span(2, 1, longName, "a-very-long-reporting-controller-name-for-testing", 1, 2),
            Span(3, 1, "Pod.Scheduled", "default-scheduler", 2, 3));

        var lines = WaterfallRenderer.Render(trace, Plain);

        Assert.All(lines.Take(lines.Count - 1), l => Assert.True(TextCell.Width(l) <= 100, l));
        var cut = NameCell(lines[2]);
        Assert.StartsWith("├─ Pod.XXX", cut, StringComparison.Ordinal);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.Equal(WaterfallRenderer.MinBarWidth, lines[2].IndexOf(']', StringComparison.Ordinal) - lines[2].IndexOf('[', StringComparison.Ordinal) - 1);
        Assert.Single(lines.Skip(1).Take(3).Select(l => l.IndexOf('[', StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public void An_empty_group_draws_nothing()
    {
        Assert.Empty(WaterfallRenderer.Render(new TraceSpans(Trace, []), Plain));
    }
}
