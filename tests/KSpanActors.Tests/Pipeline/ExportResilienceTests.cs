using KSpanActors.Tests.FakeKube;
using KSpanActors.Export.Otlp;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Export.Otlp;
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
        await using var runtime = await StartWithSmallBufferAsync(exporter);

        for (var i = 0; i < 200; i++)
        {
            EmitSpan(runtime, test: 1, i);
            if (i % 10 == 9) await Until(() => runtime.Metrics.ExportFailures > 0 || i < 10); // let batches form while the backend is down
        }
        await Until(() => runtime.Metrics.SpansDropped >= 150);

        exporter.FailuresLeft = 0; // the backend comes back
        await runtime.FlushAsync();

        var kept = exporter.Spans.Select(s => (int)s.SpanId.Value - 1).Order().ToList();
        Assert.InRange(kept.Count, 1, 50); // the buffer (40) plus at most the batch being retried
        Assert.Equal(200, runtime.Metrics.SpansDropped + kept.Count);
        Assert.Equal(199, kept[^1]); // the newest survived: the oldest went first
        Assert.True(kept.Count(k => k >= 150) >= 40, "the last 40 spans were not the ones kept");
    }

    [Fact]
    public async Task A_backend_that_works_but_slower_than_the_pipeline_holds_the_sources_instead_of_losing_spans()
    {
        var exporter = new GatedExporter();
        await using var runtime = await StartWithSmallBufferAsync(exporter);
        var tracker = runtime.Services.Tracker;

        // The first batch is taken and never answered while the gate is closed: the rest wait in the buffer.
        for (var i = 0; i < 35; i++)
        {
            EmitSpan(runtime, test: 2, i);
        }
        await Until(() => tracker.ExportBehind);
        var room = tracker.WaitForRoomAsync(runtime.MaxInFlight).AsTask();
        Assert.False(room.IsCompleted); // a source waits here
        Assert.Equal(1, runtime.Metrics.ExportWaits);

        exporter.Open(); // the backend answers: the buffer drains, the source goes on
        await room.WaitAsync(TimeSpan.FromSeconds(60));
        await runtime.FlushAsync();
        Assert.False(tracker.ExportBehind);
        Assert.Equal(35, exporter.Spans);
        Assert.Equal(0, runtime.Metrics.SpansDropped);
    }

    [Fact]
    public async Task A_backend_that_fails_never_holds_the_sources()
    {
        var exporter = new CapturingExporter { FailuresLeft = int.MaxValue };
        await using var runtime = await StartWithSmallBufferAsync(exporter);
        for (var i = 0; i < 100; i++)
        {
            EmitSpan(runtime, test: 3, i);
        }
        await Until(() => runtime.Metrics.SpansDropped > 0); // buffered past its bound: the oldest dropped, counted
        Assert.False(runtime.Services.Tracker.ExportBehind);
        Assert.Equal(0, runtime.Metrics.ExportWaits);
        await runtime.Services.Tracker.WaitForRoomAsync(runtime.MaxInFlight).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Spans still on their way to the emitter (its mailbox, the ledger's) count with its buffer: a backlog the buffer
    /// has not taken yet holds the sources as well, and a source goes on once it was taken and exported.
    /// </summary>
    [Fact]
    public async Task Spans_on_their_way_to_a_slow_backend_hold_the_sources_with_those_already_buffered()
    {
        var exporter = new GatedExporter();
        await using var runtime = await StartWithSmallBufferAsync(exporter);
        var tracker = runtime.Services.Tracker;

        tracker.SpansSent(30); // an actor's traces, not taken by the emitter yet
        EmitSpan(runtime, test: 4, 0); // one span in the buffer: 1 + 30 on their way > a quarter of 40
        await Until(() => tracker.ExportBehind);
        var room = tracker.WaitForRoomAsync(runtime.MaxInFlight).AsTask();
        Assert.False(room.IsCompleted);

        tracker.SpansTaken(30); // taken (or dropped by the ledger): only the buffered span is left
        exporter.Open();
        await room.WaitAsync(TimeSpan.FromSeconds(60));
        await runtime.FlushAsync();
        Assert.Equal(0, tracker.SpansOnTheWay);
        Assert.Equal(0, runtime.Metrics.SpansDropped);
    }

    /// <summary>Takes each batch and answers only once opened (a backend slower than the pipeline, not a failing one).</summary>
    private sealed class GatedExporter : KSpanActors.Export.ISpanExporter
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _spans;

        public string Name => "gated";

        public int Spans => Volatile.Read(ref _spans);

        public void Open() => _gate.TrySetResult();

        public async Task<KSpanActors.Export.ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
        {
            await _gate.Task.ConfigureAwait(false);
            Interlocked.Add(ref _spans, batch.Sum(t => t.Spans.Length));
            return KSpanActors.Export.ExportOutcome.Ok;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static Task Until(Func<bool> condition) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(60));

    /// <summary>A pipeline whose span emitter cuts batches of 10 every 20 ms and buffers at most 40 spans per exporter.</summary>
    private static Task<PipelineRuntime> StartWithSmallBufferAsync(KSpanActors.Export.ISpanExporter exporter) =>
        PipelineRuntime.StartAsync(new PipelineSettings { BatchInterval = TimeSpan.FromMilliseconds(20), BatchSize = 10, MaxBufferedSpans = 40 }, [exporter]);

    /// <summary>Span <paramref name="i"/> of a test (its own trace), straight to the node's span emitter.</summary>
    private static void EmitSpan(PipelineRuntime runtime, ulong test, int i)
    {
        var span = new SpanRecord(new TraceId(test, (ulong)i + 1), new SpanId((ulong)i + 1), SpanId.None, "Pod.Scheduled", 0, 0,
            SpanStatus.Unset, null, new SpanResource("kubelet", null, Cluster, null), [SpanAttribute.Of("seq", i)]);
        Akka.Hosting.ActorRegistry.For(runtime.System).Get<SpanEmitterActor>().Tell(new TraceSpans(span.TraceId, [span]), Akka.Actor.ActorRefs.NoSender);
    }
}

/// <summary>An object that lives for weeks keeps a window, not a history, and still exports each occurrence once.</summary>
[Collection("akka-cluster")]
public sealed class LongLivedObjectTests
{
    [Fact]
    public async Task A_crash_loop_of_twelve_thousand_back_offs_exports_each_once_with_one_root()
    {
        var exporter = new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { SettleAfter = TimeSpan.FromMilliseconds(100), BatchInterval = TimeSpan.FromMilliseconds(50), BatchSize = 4096 }, [exporter]);
        runtime.Feed(Obj("crash", "Pod", "crash", "10:00:00", manager: "kubectl"));
        for (var chunk = 0; chunk < 4; chunk++)
        {
            for (var i = 1; i <= 3000; i++)
            {
                var count = chunk * 3000 + i;
                runtime.Feed(new EventObserved(Cluster, "backoff", count, T("10:00:00") + count * 1_000_000_000L, "BackOff", "Back-off restarting failed container",
                    true, "Pod", "default", "crash", "crash", null, "kubelet", null, false));
            }
            var expected = (chunk + 1) * 3000;
            await Eventually.TrueAsync(() => exporter.Spans.Count(s => s.Name == "Pod.BackOff") >= expected, TimeSpan.FromSeconds(60),
                () => $"{expected} BackOff spans exported");
        }
        await runtime.FlushAsync();

        var backOffs = exporter.Spans.Where(s => s.Name == "Pod.BackOff").ToList();
        Assert.Equal(12_000, backOffs.Count);
        Assert.Equal(12_000, backOffs.Select(s => s.SpanId).Distinct().Count());
        Assert.Single(exporter.Spans, s => s.IsRoot);
    }
}
