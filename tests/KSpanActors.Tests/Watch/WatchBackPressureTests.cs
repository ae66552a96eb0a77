using KSpanActors.Pipeline;
using KSpanActors.Watch;
using Microsoft.Extensions.Logging.Abstractions;

namespace KSpanActors.Tests.Watch;

/// <summary>A watch loop reads on only while the actors keep up: mailboxes do not grow with a fast stream.</summary>
public sealed class WatchBackPressureTests
{
    [Fact]
    public async Task The_sink_holds_the_reader_while_too_much_is_in_flight_and_lets_it_go_once_drained()
    {
        var tracker = new PipelineTracker();
        var sink = new PipelineWatchSink(_ => { }, tracker, maxInFlight: 10, new PipelineMetrics(),
            new OccurrenceFilter(TimeSpan.FromMinutes(1)), new WatchSettings(), new WatchStatus(), NullLogger.Instance);

        tracker.Sent(10);
        Assert.True(sink.WaitForRoomAsync(CancellationToken.None).AsTask().IsCompleted, "at the limit the reader goes on");

        tracker.Sent(5);
        var waiting = sink.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        for (var i = 0; i < 5; i++) tracker.Done(sender: null);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_waiting_reader_stops_when_the_watch_is_cancelled()
    {
        var tracker = new PipelineTracker();
        var sink = new PipelineWatchSink(_ => { }, tracker, maxInFlight: 1, new PipelineMetrics(),
            new OccurrenceFilter(TimeSpan.FromMinutes(1)), new WatchSettings(), new WatchStatus(), NullLogger.Instance);
        tracker.Sent(2);
        using var cancel = new CancellationTokenSource();
        var waiting = sink.WaitForRoomAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
