using KSpanActors.Tests.FakeKube;
using System.Diagnostics;
using KSpanActors.Export;
using KSpanActors.Host;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;
using Microsoft.Extensions.Logging;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>A final flush never waits forever on a dead backend: what it gives up on is counted, said, and makes the exit code non-zero.</summary>
[Collection("akka-cluster")]
public sealed class FlushDeadlineTests
{
    /// <summary>An OTLP endpoint that is not there: every export fails, and says why.</summary>
    private sealed class DeadExporter : ISpanExporter
    {
        public int Attempts;

        public string Name => "otlp-grpc";

        public string? LastError { get; private set; }

        public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            LastError = "OTLP endpoint http://127.0.0.1:9/ unreachable (Unavailable)";
            return Task.FromResult(ExportOutcome.Retryable);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static void Send(PipelineRuntime runtime, int spans)
    {
        var emitter = Akka.Hosting.ActorRegistry.For(runtime.System).Get<SpanEmitterActor>();
        var resource = new SpanResource("kubelet", null, Cluster, null);
        for (var i = 0; i < spans; i++)
        {
            var span = new SpanRecord(new TraceId(7, (ulong)i + 1), new SpanId((ulong)i + 1), SpanId.None, "Pod.Scheduled", 0, 0, SpanStatus.Unset, null, resource, []);
            emitter.Tell(new TraceSpans(span.TraceId, [span]), Akka.Actor.ActorRefs.NoSender);
        }
    }

    [Fact]
    public async Task A_flush_gives_up_on_a_dead_endpoint_after_its_patience_and_the_summary_says_why()
    {
        var dead = new DeadExporter();
        var kept = new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { BatchInterval = TimeSpan.FromMilliseconds(50), FlushTimeout = TimeSpan.FromMilliseconds(800) }, [kept, dead]);
        Send(runtime, 5);

        var clock = Stopwatch.StartNew();
        await runtime.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
        Assert.True(dead.Attempts > 1, "the dead endpoint was retried while the flush waited");
        Assert.Equal(5, kept.Spans.Count); // the other exporter is not held back
        Assert.Equal(5, runtime.Metrics.SpansDropped);
        Assert.Equal(0, runtime.Metrics.SpansExported); // exported means: every exporter took it
        Assert.Equal("0 spans exported, 5 dropped (otlp-grpc: OTLP endpoint http://127.0.0.1:9/ unreachable (Unavailable))", Stopping.Spans(runtime.Metrics));
        Assert.Equal(ExitCodes.SpansDropped, Stopping.ExitCode(runtime.Metrics));
    }

    [Fact]
    public async Task A_flush_with_a_deadline_drops_what_is_still_held_at_the_deadline_even_while_the_exporter_is_patient()
    {
        var dead = new DeadExporter();
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { BatchInterval = TimeSpan.FromMilliseconds(50), FlushTimeout = TimeSpan.FromMinutes(5) }, [dead]);
        Send(runtime, 3);

        var clock = Stopwatch.StartNew();
        await runtime.FlushAsync(TimeSpan.FromMinutes(5), DateTime.UtcNow + TimeSpan.FromMilliseconds(500)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Equal(3, runtime.Metrics.SpansDropped);
    }

    [Fact]
    public async Task A_flush_with_no_patience_drops_and_counts_what_is_held_at_once()
    {
        var dead = new DeadExporter();
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { BatchInterval = TimeSpan.FromMilliseconds(50), FlushTimeout = TimeSpan.FromMinutes(5) }, [dead]);
        Send(runtime, 4);
        await Eventually.TrueAsync(() => dead.Attempts > 0, TimeSpan.FromSeconds(30), () => "a first export attempt");

        var clock = Stopwatch.StartNew();
        await runtime.FlushAsync(TimeSpan.Zero, null).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(4, runtime.Metrics.SpansDropped);
        Assert.Equal(ExitCodes.SpansDropped, Stopping.ExitCode(runtime.Metrics));
    }

    [Fact]
    public async Task When_every_span_was_exported_the_exit_code_is_0_and_the_last_line_is_information()
    {
        var kept = new CapturingExporter();
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineSettings { BatchInterval = TimeSpan.FromMilliseconds(50) }, [kept]);
        Send(runtime, 1234);
        await runtime.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var log = new ListLogger();

        var code = Stopping.Finish(log, "Stopped by SIGTERM: " + Stopping.Spans(runtime.Metrics), Stopping.ExitCode(runtime.Metrics));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal((LogLevel.Information, "Stopped by SIGTERM: 1,234 spans exported, 0 dropped"), log.Lines[^1]);
    }

    [Fact]
    public void When_spans_were_dropped_or_the_drain_was_cut_the_last_line_is_an_error_naming_the_exit_code()
    {
        using var metrics = new PipelineMetrics();
        metrics.Exported(10);
        var log = new ListLogger();

        var code = Stopping.Finish(log, "Stopped by SIGINT: " + Stopping.Spans(metrics, drainCut: true), Stopping.ExitCode(metrics, drainCut: true));

        Assert.Equal(ExitCodes.SpansDropped, code);
        Assert.Equal((LogLevel.Error, "Stopped by SIGINT: 10 spans exported, 0 dropped (the shutdown deadline passed before everything held was exported); exit code 3"), log.Lines[^1]);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
