using KSpanActors.Export.Waterfall;
using KSpanActors.Host;
using KSpanActors.Model;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Waterfall;

/// <summary>The waterfall people read: which object each row is about, the terminal's width, the trace id, a stable order.</summary>
public class WaterfallReadingTests
{
    private static SpanRecord Pod(ulong id, ulong parent, string reason, string pod, double start, double end, params (string, string)[] more) =>
        Span(id, parent, "Pod." + reason, "kubelet", start, end, null, false, [("k8s.namespace.name", "default"), ("k8s.pod.name", pod), .. more]);

    /// <summary>A rollout of two pods whose kubelet rows differ only by the pod they are about.</summary>
    private static TraceSpans TwoPods() => Group(
        Root(),
        Span(0x20, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 0, 0, null, false, ("k8s.deployment.name", "px")),
        Span(0x30, 0x20, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 0.1, 0.1, null, false, ("k8s.replicaset.name", "px-7d4f")),
        Pod(0x31, 0x30, "Scheduled", "px-7d4f-abcde", 0.1, 0.2, ("k8s.node.name", "kind-worker")),
        Pod(0x32, 0x30, "Created", "px-7d4f-abcde", 6.2, 6.3),
        Pod(0x33, 0x30, "Scheduled", "px-7d4f-vwxyz", 0.3, 0.4, ("k8s.node.name", "kind-worker2")),
        Pod(0x34, 0x30, "Created", "px-7d4f-vwxyz", 6.5, 6.6));

    private static string Row(IReadOnlyList<string> lines, string contains) => Assert.Single(lines, l => l.Contains(contains, StringComparison.Ordinal) && l.Contains('[', StringComparison.Ordinal));

    [Fact]
    public void Each_row_names_the_object_it_is_about_never_the_node_a_pod_was_scheduled_to()
    {
        var lines = WaterfallRenderer.Render(TwoPods(), WaterfallOptions.Default);

        Assert.Matches(@"Pod\.Scheduled\s+px-7d4f-abcde\s+kubelet", Assert.Single(lines, l => l.Contains("Pod.Scheduled", StringComparison.Ordinal) && l.Contains("abcde", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Contains("Pod.Created", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("Pod.Created", StringComparison.Ordinal) && l.Contains("px-7d4f-vwxyz", StringComparison.Ordinal));
        Assert.Matches(@"ReplicaSet\.SuccessfulCreate\s+px-7d4f\s", Row(lines, "ReplicaSet.SuccessfulCreate"));
        Assert.Matches(@"^Deployment\.Update\s+px\s+kubectl", lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains("kind-worker", StringComparison.Ordinal));
    }

    [Fact]
    public void At_80_columns_the_bar_shrinks_before_names_are_cut_and_the_verdict_is_never_cut()
    {
        var trace = new TraceSpans(RolloutSpans.Trace, [.. Rollout(), .. TwoPods().Spans.Skip(3)]);
        var lines = WaterfallRenderer.Render(trace, WaterfallOptions.Default with { Width = 80 });
        var wide = WaterfallRenderer.Render(trace, WaterfallOptions.Default with { Width = 200 });

        var rows = lines.Where(l => l.Contains('[', StringComparison.Ordinal)).ToList();
        Assert.All(rows, l => Assert.True(TextCell.Width(l) <= 80, l));
        Assert.DoesNotContain(rows, l => l.Contains(TextCell.Ellipsis, StringComparison.Ordinal) && !l.Contains('✗', StringComparison.Ordinal));
        Assert.Contains(rows, l => l.Contains("ReplicaSet.SuccessfulCreate", StringComparison.Ordinal));
        Assert.Contains(rows, l => l.Contains("px-7d4f-vwxyz", StringComparison.Ordinal));
        var bar = rows[0][(rows[0].IndexOf('[', StringComparison.Ordinal) + 1)..rows[0].IndexOf(']', StringComparison.Ordinal)];
        Assert.InRange(bar.Length, WaterfallRenderer.MinBarWidth, 29);
        Assert.Equal(Verdict.Describe(trace), lines[^1]);
        Assert.True(TextCell.Width(lines[^1]) > 80);
        Assert.Equal(lines[^1], wide[^1]);
    }

    [Fact]
    public void Without_a_terminal_nothing_is_cut()
    {
        var longName = "Widget." + new string('X', 150);
        var message = "Back-off " + new string('m', 300);
        var trace = Group(
            Span(1, 0, "Deployment.Update", "a-very-long-reporting-controller-name-for-testing", 0, 10),
            Span(2, 1, longName, "kubelet", 1, 2),
            Span(3, 1, "Pod.BackOff", "kubelet", 2, 3, message, error: true));

        var lines = WaterfallRenderer.Render(trace, WaterfallOptions.Default with { Width = WaterfallOptions.Unlimited });

        // (The verdict quotes an error message shortened by the verdict itself.)
        Assert.DoesNotContain(lines.Take(lines.Count - 1), l => l.Contains(TextCell.Ellipsis, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(longName, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Pod.BackOff", StringComparison.Ordinal) && l.EndsWith("✗ " + message, StringComparison.Ordinal));
        Assert.Contains("a-very-long-reporting-controller-name-for-testing", lines[0], StringComparison.Ordinal);
        Assert.Equal(WaterfallOptions.Default.BarWidth, lines[1].IndexOf(']', StringComparison.Ordinal) - lines[1].IndexOf('[', StringComparison.Ordinal) - 1);
    }

    [Fact]
    public void The_header_carries_the_full_trace_id_and_a_link_when_a_trace_url_is_set()
    {
        var plain = WaterfallRenderer.Render(Group(Rollout()), WaterfallOptions.Default with { Width = 60 });
        var linked = WaterfallRenderer.Render(Group(Rollout()), WaterfallOptions.Default with { TraceUrl = "http://localhost:16686/trace/{traceId}" });

        Assert.Contains("trace 4bf92f3577b34da6a3ce929d0e0e4736  9.1s", plain[0], StringComparison.Ordinal);
        Assert.DoesNotContain(plain, l => l.Contains("http", StringComparison.Ordinal));
        Assert.Equal(WaterfallRenderer.LinkMarker + "http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736", linked[1]);
    }

    [Fact]
    public void Events_of_the_same_second_are_drawn_in_the_order_Kubernetes_emits_them_not_alphabetically()
    {
        // Span ids and names both disagree with the kubelet's order (Pulled, Created, Started).
        var trace = Group(
            Span(1, 0, "Pod.Create", "kubectl", 0, 10),
            Span(0x10, 1, "Pod.Started", "kubelet", 7, 7),
            Span(0x11, 1, "Pod.Created", "kubelet", 7, 7),
            Span(0x12, 1, "Pod.Pulled", "kubelet", 7, 7),
            Span(0x13, 1, "Pod.Scheduled", "default-scheduler", 0, 1));

        var names = WaterfallRenderer.Render(trace, WaterfallOptions.Default).Skip(2).Where(l => l.Contains('[', StringComparison.Ordinal))
            .Select(l => l.Split("  ")[0].TrimStart('├', '└', '─', ' ')).ToList();

        Assert.Equal(["Pod.Scheduled", "Pod.Pulled", "Pod.Created", "Pod.Started"], names);
    }

    [Fact]
    public async Task Held_traces_are_drawn_at_the_end_by_start_time_with_late_spans_merged_into_their_trace()
    {
        var later = new TraceId(0x1111, 0x1);
        var earlier = new TraceId(0xffff, 0x2);
        TraceSpans Trace(TraceId id, params SpanRecord[] spans) => new(id, [.. spans.Select(s => s with { TraceId = id })]);
        using var output = new StringWriter();
        var exporter = new WaterfallExporter(output, WaterfallOptions.Default with { SortAtEnd = true });

        await exporter.ExportAsync([Trace(later, Span(1, 0, "Job.Create", "kubectl", 5, 6))], CancellationToken.None);
        await exporter.ExportAsync([Trace(earlier, Span(1, 0, "Deployment.Update", "kubectl", 1, 4), Span(2, 1, "Deployment.ScalingReplicaSet", "deployment-controller", 1, 1))], CancellationToken.None);
        await exporter.ExportAsync([Trace(earlier, Span(3, 2, "ReplicaSet.SuccessfulCreate", "replicaset-controller", 2, 2))], CancellationToken.None);
        Assert.Empty(output.ToString());
        await exporter.DisposeAsync();

        var text = output.ToString();
        Assert.True(text.IndexOf("▶ Deployment.Update", StringComparison.Ordinal) < text.IndexOf("▶ Job.Create", StringComparison.Ordinal), text);
        Assert.Contains("\n   └─ ReplicaSet.SuccessfulCreate", text, StringComparison.Ordinal);
        Assert.DoesNotContain("late spans", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("80", true, 200, 80)]
    [InlineData("80", false, 200, 80)]
    [InlineData("20", false, 200, 40)]
    [InlineData(null, false, 132, 132)]
    [InlineData(null, true, 132, WaterfallOptions.Unlimited)]
    [InlineData("abc", true, 132, WaterfallOptions.Unlimited)]
    [InlineData(null, false, 0, WaterfallOptions.Unlimited)]
    public void The_width_is_COLUMNS_else_the_terminal_else_unlimited(string? columns, bool redirected, int terminal, int expected)
    {
        Assert.Equal(expected, Exporters.WaterfallWidth(columns, redirected, () => terminal));
    }
}
