using KSpanActors.Tests.FakeKube;
using System.Runtime.InteropServices;
using KSpanActors.Host;
using Microsoft.Extensions.Configuration;

namespace KSpanActors.Tests.Host;

/// <summary>The one shutdown path of every command: first signal stops, the deadline bounds the export, a second signal exits.</summary>
public sealed class ShutdownSignalTests : IDisposable
{
    private readonly List<int> _exits = [];
    private readonly StringWriter _stderr = new();

    public void Dispose() => _stderr.Dispose();

    private ShutdownSignal Create(TimeSpan limit, TimeSpan reserve, CancellationToken external = default) =>
        new(limit, code => { lock (_exits) _exits.Add(code); }, _stderr, reserve, external);

    [Fact]
    public void The_first_signal_stops_but_leaves_the_export_its_budget()
    {
        using var shutdown = Create(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(5));
        Assert.False(shutdown.Stopping.IsCancellationRequested);
        Assert.Null(shutdown.ExportDeadlineUtc);

        shutdown.Raise(PosixSignal.SIGTERM);

        Assert.True(shutdown.Stopping.IsCancellationRequested);
        Assert.False(shutdown.ExportDeadline.IsCancellationRequested);
        Assert.Equal("SIGTERM", shutdown.What);
        Assert.Equal(TimeSpan.FromSeconds(20), shutdown.ExportBudget);
        Assert.InRange(shutdown.ExportDeadlineUtc!.Value, DateTime.UtcNow + TimeSpan.FromSeconds(18), DateTime.UtcNow + TimeSpan.FromSeconds(20));
        Assert.Empty(_exits);
    }

    [Fact]
    public async Task The_export_deadline_passes_after_the_budget_and_the_process_is_ended_at_the_limit()
    {
        // The deadline comes 0.5 s after the signal, the limit 3.5 s later: a wide gap, so a test host slow to run the
        // continuation after the deadline (a loaded CI machine once took longer than 0.6 s) still sees no exit yet.
        using var shutdown = Create(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3.5));
        shutdown.Raise(PosixSignal.SIGINT);

        await Task.Delay(Timeout.Infinite, shutdown.ExportDeadline).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_exits); // the deadline only cuts the export; the limit ends the process
        await Eventually.TrueAsync(() => _exits.Count > 0, TimeSpan.FromSeconds(10), () => "the process limit ending the process");

        Assert.Equal([130], _exits);
        Assert.Contains("exiting now with 130", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public void A_second_signal_exits_at_once_with_128_plus_its_number(PosixSignal second, int code)
    {
        using var shutdown = Create(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(5));
        shutdown.Raise(PosixSignal.SIGTERM);
        shutdown.Raise(second);

        Assert.Equal([code], _exits);
        Assert.Contains("second signal", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_before_the_limit_it_never_ends_the_process()
    {
        var shutdown = Create(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(200));
        shutdown.Raise(PosixSignal.SIGTERM);
        shutdown.Dispose();

        Thread.Sleep(500);
        Assert.Empty(_exits);
    }

    [Fact]
    public void The_command_lines_token_stops_as_a_first_signal_does()
    {
        using var external = new CancellationTokenSource();
        using var shutdown = Create(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(5), external.Token);
        external.Cancel();

        Assert.True(shutdown.Stopping.IsCancellationRequested);
        Assert.Equal("cancellation", shutdown.What);
        Assert.NotNull(shutdown.ExportDeadlineUtc);
    }

    [Theory]
    [InlineData(null, 25, null)]
    [InlineData("00:00:40", 40, null)]
    [InlineData("00:00:03", 25, "KSpan:Shutdown:Deadline '00:00:03' must be a TimeSpan of more than 5 s (00:00:25)")]
    [InlineData("soon", 25, "KSpan:Shutdown:Deadline 'soon' must be a TimeSpan of more than 5 s (00:00:25)")]
    public void The_limit_comes_from_KSpan_Shutdown_Deadline(string? value, int seconds, string? error)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(value is null ? [] : [new("KSpan:Shutdown:Deadline", value)]).Build();

        var (limit, message) = ShutdownSignal.LimitFrom(config);

        Assert.Equal(TimeSpan.FromSeconds(seconds), limit);
        Assert.Equal(error, message);
    }
}
