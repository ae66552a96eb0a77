using KSpanActors.Export.Otlp;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Otlp;
using KSpanActors.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>A dead, then stalled, then recovering OTLP backend: spans wait in a bounded buffer and arrive once.</summary>
[Collection("akka-cluster")]
public sealed class ExportResilienceTests
{
    private static IEnumerable<IFact> Pods(int n, string prefix)
    {
        for (var i = 0; i < n; i++)
        {
            var uid = $"{prefix}-pod-{i}";
            yield return Obj(uid, "Pod", $"{prefix}-{i}", "10:00:00", manager: "kubectl");
            yield return Ev($"{prefix}-ev-{i}", "Pod", $"{prefix}-{i}", uid, "Scheduled", "Successfully assigned", "10:00:01", "default-scheduler");
        }
    }

    [Fact]
    public async Task Spans_produced_while_the_backend_refuses_then_stalls_arrive_once_after_it_recovers()
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        var exporter = OtlpExporterFactory.Create(new OtlpSettings(receiver.GrpcEndpoint, OtlpProtocol.Grpc, [], TimeSpan.FromMilliseconds(500), false), NullLoggerFactory.Instance);
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { SettleAfter = TimeSpan.FromMilliseconds(200), BatchInterval = TimeSpan.FromMilliseconds(100), BatchSize = 10 }, [exporter]);

        receiver.FailNext(int.MaxValue); // down: every call refused
        foreach (var f in Pods(20, "a")) runtime.Feed(f);
        await Until(() => runtime.Metrics.ExportFailures >= 3);
        receiver.FailNext(0);
        receiver.Stall(TimeSpan.FromSeconds(1)); // then stalled: calls hang past the exporter's timeout
        foreach (var f in Pods(20, "b")) runtime.Feed(f);
        await Until(() => runtime.Metrics.ExportFailures >= 5);
        receiver.Stall(TimeSpan.Zero); // recovers

        await receiver.WaitForSpansAsync(80, TimeSpan.FromSeconds(60));
        await runtime.FlushAsync();

        var spans = ReceivedSpans.From(receiver.Requests);
        Assert.Equal(80, spans.Count); // 40 roots + 40 event spans
        Assert.Equal(spans.Count, spans.Select(s => s.Id).Distinct().Count()); // none twice
        Assert.Equal(0, runtime.Metrics.SpansDropped);
    }

    [Fact]
    public async Task When_the_buffer_is_full_the_oldest_spans_are_dropped_and_counted_and_memory_stays_bounded()
    {
        var exporter = new CapturingExporter { FailuresLeft = int.MaxValue };
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { SettleAfter = TimeSpan.FromMilliseconds(100), BatchInterval = TimeSpan.FromMilliseconds(50), BatchSize = 10, MaxBufferedSpans = 40 }, [exporter]);

        foreach (var f in Pods(100, "c")) runtime.Feed(f);
        await Until(() => runtime.Metrics.SpansEmitted == 200);
        await Until(() => runtime.Metrics.SpansDropped >= 150);

        exporter.FailuresLeft = 0; // backend back
        await runtime.FlushAsync();

        Assert.InRange(exporter.Spans.Count, 1, 50); // at most the buffer (plus the batch in flight) survived
        Assert.Equal(200, runtime.Metrics.SpansDropped + exporter.Spans.Count);
        var uids = exporter.Spans.Select(s => s.Attribute("k8s.event.uid")).OfType<string>().ToList();
        Assert.Contains("c-ev-99", uids); // the newest were kept: the oldest went first (bar the batch being retried)
    }

    private static async Task Until(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition()) await Task.Delay(20, cts.Token);
    }
}
