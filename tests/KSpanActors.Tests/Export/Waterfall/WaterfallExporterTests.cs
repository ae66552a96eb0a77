using KSpanActors.Export;
using KSpanActors.Export.Waterfall;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Waterfall;

public class WaterfallExporterTests
{
    [Fact]
    public async Task Exporting_writes_every_trace_of_the_batch()
    {
        using var output = new StringWriter();
        await using var exporter = new WaterfallExporter(output, new WaterfallOptions());
        var late = Group(Span(0x90, 0x20, "ReplicaSet.SuccessfulDelete", "replicaset-controller", 20, 20));

        var ok = await exporter.ExportAsync([Group(Rollout()), late], CancellationToken.None);

        Assert.Equal(ExportOutcome.Ok, ok);
        Assert.Equal("waterfall", exporter.Name);
        var text = output.ToString();
        Assert.StartsWith("▶ Deployment.Update", text, StringComparison.Ordinal);
        Assert.Contains("rollout default/px 9.1s — critical path: image pull 5.9s (65%)", text, StringComparison.Ordinal);
        Assert.Contains("late spans for trace 4bf92f3577b34da6a3ce929d0e0e4736", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_writer_is_reported_as_a_failure_not_thrown()
    {
        var output = new StringWriter();
        await output.DisposeAsync();
        var exporter = new WaterfallExporter(output, new WaterfallOptions());

        Assert.NotEqual(ExportOutcome.Ok, await exporter.ExportAsync([Group(Rollout())], CancellationToken.None));
        await exporter.DisposeAsync();
    }

    [Fact]
    public void Color_is_used_only_on_the_console_when_not_redirected_and_NO_COLOR_is_unset()
    {
        Assert.True(WaterfallExporter.ShouldUseColor(Console.Out, outputRedirected: false, noColor: null));
        Assert.True(WaterfallExporter.ShouldUseColor(Console.Out, outputRedirected: false, noColor: ""));
        Assert.False(WaterfallExporter.ShouldUseColor(Console.Out, outputRedirected: true, noColor: null));
        Assert.False(WaterfallExporter.ShouldUseColor(Console.Out, outputRedirected: false, noColor: "1"));
        Assert.False(WaterfallExporter.ShouldUseColor(new StringWriter(), outputRedirected: false, noColor: null));
        Assert.False(WaterfallExporter.ShouldUseColor(new StringWriter()));
    }
}
