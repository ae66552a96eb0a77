using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>The span emitter's protocol: spans in, batches out to every exporter, a flush answered once drained.</summary>
public sealed class SpanEmitterSpecs : ActorSpecBase
{
    private static TraceSpans Trace()
    {
        var family = new TraceFamily(Cluster, "gone", new ObjectRef("Pod", "default", "gone-pod"));
        family.Add(Ev("k1", "Pod", "gone-pod", "gone", "Killing", "Stopping container app", "10:00:07", "kubelet"));
        return Assert.Single(TraceAssembler.Assemble(family, null, new HashSet<ulong>()));
    }

    [Fact]
    public void Spans_reach_the_exporter_and_a_flush_is_answered_once_they_did()
    {
        var ctx = NewContext(new PipelineSettings { BatchInterval = TimeSpan.FromMinutes(1) }); // only the flush cuts the batch
        var exporter = new CapturingExporter();
        var emitter = Sys.ActorOf(SpanEmitter.Props(ctx, [exporter]));
        var trace = Trace();
        ctx.Tracker.Sent();
        emitter.Tell(new EmitSpans(trace));

        emitter.Tell(new Flush(TimeSpan.FromSeconds(10)));
        ExpectMsg<FlushDone>();
        Assert.Equal(trace.Spans.Select(s => s.SpanId), exporter.Spans.Select(s => s.SpanId));
        Assert.Equal(0, ctx.Tracker.InFlight);
        Assert.Equal(trace.Spans.Length, ctx.Metrics.SpansExported);
    }

    [Fact]
    public void A_flush_with_no_patience_drops_and_counts_what_a_failing_exporter_could_not_take()
    {
        var ctx = NewContext(new PipelineSettings { BatchInterval = TimeSpan.FromMinutes(1) });
        var exporter = new CapturingExporter { FailuresLeft = int.MaxValue };
        var emitter = Sys.ActorOf(SpanEmitter.Props(ctx, [exporter]));
        var trace = Trace();
        emitter.Tell(new EmitSpans(trace));

        emitter.Tell(new Flush(TimeSpan.Zero));
        ExpectMsg<FlushDone>();
        Assert.Empty(exporter.Spans);
        Assert.Equal(trace.Spans.Length, ctx.Metrics.SpansDropped);
    }

    /// <summary>Refuses every batch for good, as a backend answering HTTP 400 does.</summary>
    private sealed class RefusingExporter : KSpanActors.Export.ISpanExporter
    {
        public int Calls;

        public string Name => "otlp-http";

        public string? LastError => "OTLP endpoint http://127.0.0.1:4318/v1/traces failed (HTTP 400)";

        public Task<KSpanActors.Export.ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(KSpanActors.Export.ExportOutcome.Permanent);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public void A_batch_refused_for_good_is_dropped_and_counted_at_once_and_not_retried()
    {
        var ctx = NewContext(new PipelineSettings { BatchInterval = TimeSpan.FromMinutes(1) });
        var exporter = new RefusingExporter();
        var emitter = Sys.ActorOf(SpanEmitter.Props(ctx, [exporter]));
        var trace = Trace();
        emitter.Tell(new EmitSpans(trace));

        emitter.Tell(new Flush(TimeSpan.FromSeconds(30)));
        ExpectMsg<FlushDone>(TimeSpan.FromSeconds(5)); // at once: nothing is left to retry
        Assert.Equal(1, exporter.Calls);
        Assert.Equal(trace.Spans.Length, ctx.Metrics.SpansDropped);
        Assert.Contains(ctx.Metrics.DropReasons, r => r.Contains("HTTP 400", StringComparison.Ordinal));
    }
}
