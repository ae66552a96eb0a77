using KSpanActors.Tests.FakeKube;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using KSpanActors.Processes.Tests.Harness;
using Xunit.Abstractions;

namespace KSpanActors.Processes.Tests;

/// <summary>
/// Signals sent to the real binary, as Kubernetes (SIGTERM) and a terminal (SIGINT, Ctrl+C) send them: the process stops
/// within 30 s, exports what it holds, and exits 0; a replay whose spans cannot be exported ends non-zero and says so last.
/// </summary>
[Trait("Category", "Processes")]
public sealed partial class SignalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(30);

    public static TheoryData<int> Signals => new() { 15, 2 };

    /// <summary>
    /// A process started as a background job of a shell without job control (<c>cmd &amp;</c> in a script) ignores SIGINT
    /// and SIGQUIT, and so does every process it starts, the binary under test included: that test would then only find
    /// the binary "still running" after the signal. Said plainly instead (from <c>SigIgn</c> in /proc/self/status).
    /// </summary>
    private static void AssertNotIgnoredHere(int signal)
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        if (line is null) return;
        var ignored = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        Assert.True((ignored & (1UL << (signal - 1))) == 0,
            $"this test process ignores signal {signal} (SigIgn {line["SigIgn:".Length..].Trim()}), and the processes it starts inherit that: " +
            "it was started as a background job of a shell without job control; run the tests in the foreground or under `set -m`");
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task Watch_stops_on_the_signal_within_30_seconds_exports_everything_held_and_exits_0(int signal)
    {
        AssertNotIgnoredHere(signal);
        // A settle period far beyond the test: nothing is exported before the signal, everything must be after it.
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 1, ClusterCopies = [5], SettleAfter = TimeSpan.FromMinutes(10) }, output);
        await fleet.StreamAsync(TimeSpan.Zero);
        var events = fleet.Clusters[0].Documents.Count(d => d.Kind == "Event");
        await WaitUntilAsync(async () => await KSpanFleet.EventsReadAsync(fleet.Replicas[0]) >= events, TimeSpan.FromSeconds(60),
            () => $"the replica did not read the {events} Events released\n{fleet.Diagnosis()}");
        var before = fleet.Audit();
        fleet.Log($"before the signal: {before.Summary()}");

        fleet.Replicas[0].Process.Signal(signal);
        var (code, after) = await fleet.WaitForExitAsync(0, ExitBound);

        var audit = fleet.Audit();
        var process = fleet.Replicas[0].Process;
        output.WriteLine($"signal {signal}: exit {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} after {after?.TotalSeconds:F1}s; {audit.Summary()}");
        Assert.True(code is not null,
            $"still running {ExitBound.TotalSeconds:F0}s after signal {signal} (its log says \"Stopping\": {(process.Log().Contains("Stopping", StringComparison.Ordinal) ? "yes" : "no")}; " +
            $"received so far: {audit.Summary()})\n{process.LogTail()}");
        Assert.True(code == 0, $"exit code {code} after signal {signal} (0 expected)\n{process.LogTail()}");
        Assert.Contains("Stopping", process.Log(), StringComparison.Ordinal);
        Assert.True(audit.Complete, $"held spans not exported on signal {signal}: {audit.Summary()}\n{audit.Examples()}\n{process.LogTail()}");
        Assert.True(audit.Duplicated == 0 && audit.TreesWhole, audit.Summary() + "\n" + audit.Examples());
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task Demo_follow_stops_on_the_signal_within_30_seconds_and_exits_0(int signal)
    {
        AssertNotIgnoredHere(signal);
        await using var fleet = await KSpanFleet.CreateAsync(new FleetOptions { ClusterCopies = [] }, output);
        var demo = fleet.Run("demo", ["demo", "--follow", "--quiet"]);
        await WaitUntilAsync(() => Task.FromResult(demo.Log().Contains("Streaming", StringComparison.Ordinal) || demo.HasExited), TimeSpan.FromSeconds(60),
            () => $"demo --follow never said it was streaming\n{demo.LogTail()}");
        Assert.False(demo.HasExited, $"demo --follow exited by itself with {demo.ExitCode}\n{demo.LogTail()}");

        demo.Signal(signal);
        var code = await demo.WaitForExitAsync(ExitBound);

        output.WriteLine($"demo --follow, signal {signal}: exit {code} after {demo.ExitAfterSignal?.TotalSeconds:F1}s");
        Assert.True(code is not null, $"demo --follow still running {ExitBound.TotalSeconds:F0}s after signal {signal}\n{demo.LogTail()}");
        Assert.True(code == 0, $"demo --follow exited with {code} after signal {signal} (0 expected)\n{demo.LogTail()}");
    }

    [Fact]
    public async Task Replay_to_a_dead_endpoint_interrupted_exits_within_30_seconds_non_zero_and_says_last_that_spans_were_dropped()
    {
        await using var fleet = await KSpanFleet.CreateAsync(new FleetOptions { ClusterCopies = [] }, output);
        var replay = fleet.Run("replay", ["replay", Rollouts.CapturePath, "--quiet"], new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = DeadEndpoint() });
        await WaitUntilAsync(() => Task.FromResult(ExportFailed().IsMatch(replay.Log()) || replay.HasExited), TimeSpan.FromSeconds(60),
            () => $"replay never logged a failed export\n{replay.LogTail()}");
        Assert.False(replay.HasExited, $"replay exited with {replay.ExitCode} before it could be interrupted\n{replay.LogTail()}");

        replay.Interrupt();
        var code = await replay.WaitForExitAsync(ExitBound);

        output.WriteLine($"replay to a dead endpoint, SIGINT: exit {code} after {replay.ExitAfterSignal?.TotalSeconds:F1}s; last line: {replay.LastLogLine()}");
        Assert.True(code is not null, $"replay still running {ExitBound.TotalSeconds:F0}s after SIGINT\n{replay.LogTail()}");
        Assert.True(code != 0, $"replay exited 0 although its spans could not be exported\n{replay.LogTail()}");
        Assert.True(SaysDropped().IsMatch(replay.LastLogLine()), $"the last log line does not say spans were dropped: {replay.LastLogLine()}\n{replay.LogTail()}");
    }

    [Fact]
    public async Task Replay_to_a_dead_endpoint_exits_non_zero_and_says_last_that_spans_were_dropped()
    {
        await using var fleet = await KSpanFleet.CreateAsync(new FleetOptions { ClusterCopies = [] }, output);
        var replay = fleet.Run("replay", ["replay", Rollouts.CapturePath, "--quiet"], new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = DeadEndpoint() });

        var code = await replay.WaitForExitAsync(TimeSpan.FromSeconds(90));

        output.WriteLine($"replay to a dead endpoint: exit {code}; last line: {replay.LastLogLine()}");
        Assert.True(code is not null, $"replay to a dead endpoint still running after 90s\n{replay.LogTail()}");
        Assert.True(code != 0, $"replay exited 0 although no span could be exported\n{replay.LogTail()}");
        Assert.True(SaysDropped().IsMatch(replay.LastLogLine()), $"the last log line does not say spans were dropped: {replay.LastLogLine()}\n{replay.LogTail()}");
    }

    [Fact]
    public async Task One_of_three_replicas_terminated_leaves_within_30_seconds_exits_0_and_nothing_is_lost()
    {
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 3, ClusterCopies = [10, 10, 10] }, output);
        var stream = fleet.StreamAsync(TimeSpan.FromSeconds(12));
        await WaitUntilAsync(() => Task.FromResult(fleet.PendingDocuments <= fleet.Clusters.Sum(c => c.Documents.Count) / 2), TimeSpan.FromSeconds(30), () => "the stream did not reach its middle");
        // the replica watching the most clusters leaves (its watchers must move), not the first seed unless it is the only one
        var leaving = Busiest(fleet);

        fleet.Terminate(leaving);
        var (code, after) = await fleet.WaitForExitAsync(leaving, ExitBound);
        await stream;
        var audit = await fleet.WaitForSpansAsync(TimeSpan.FromSeconds(120));

        var process = fleet.Replicas[leaving].Process;
        output.WriteLine($"SIGTERM replica-{leaving} of 3: exit {code} after {after?.TotalSeconds:F1}s; {audit.Summary()}");
        Assert.True(code is not null, $"replica-{leaving} still running {ExitBound.TotalSeconds:F0}s after SIGTERM\n{process.LogTail()}");
        Assert.True(code == 0, $"replica-{leaving} exited with {code} after SIGTERM (0 expected)\n{process.LogTail()}");
        Assert.True(audit.Complete && audit.Duplicated == 0 && audit.TreesWhole, $"{audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
    }

    /// <summary>
    /// Scaling a fleet to zero (or a whole StatefulSet deleted): the replicas stop one after the other with traces still
    /// held (a settle period far beyond the test), and the last one to leave has nobody to hand them to: it exports them.
    /// </summary>
    [Fact]
    public async Task Two_replicas_terminated_one_after_the_other_export_everything_held_and_exit_0()
    {
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 2, ClusterCopies = [5, 5], SettleAfter = TimeSpan.FromMinutes(10) }, output);
        await fleet.StreamAsync(TimeSpan.Zero);
        var events = fleet.Clusters.Sum(c => c.Documents.Count(d => d.Kind == "Event"));
        await WaitUntilAsync(async () => await KSpanFleet.EventsReadAsync(fleet.Replicas[0]) + await KSpanFleet.EventsReadAsync(fleet.Replicas[1]) >= events,
            TimeSpan.FromSeconds(60), () => $"the replicas did not read the {events} Events released\n{fleet.Diagnosis()}");
        output.WriteLine($"before the signals: {fleet.Audit().Summary()}");

        var exits = new List<string>();
        foreach (var i in new[] { 1, 0 })
        {
            fleet.Terminate(i);
            var (code, after) = await fleet.WaitForExitAsync(i, ExitBound);
            var process = fleet.Replicas[i].Process;
            exits.Add($"replica-{i} exit {code} after {after?.TotalSeconds:F1}s");
            Assert.True(code is not null, $"replica-{i} still running {ExitBound.TotalSeconds:F0}s after SIGTERM\n{process.LogTail()}");
            Assert.True(code == 0, $"replica-{i} exited with {code} after SIGTERM (0 expected)\n{process.LogTail()}");
        }
        var audit = fleet.Audit();
        output.WriteLine($"SIGTERM replica-1 then replica-0: {string.Join("; ", exits)}; {audit.Summary()}");
        Assert.True(audit.Complete, $"held spans not exported when the fleet stopped: {audit.Summary()}\n{audit.Examples()}\n{fleet.Replicas[0].Process.LogTail()}");
        Assert.True(audit.Duplicated == 0 && audit.TreesWhole, audit.Summary() + "\n" + audit.Examples());
    }

    /// <summary>The replica with the most open watches now.</summary>
    internal static int Busiest(KSpanFleet fleet)
    {
        var watches = fleet.Clusters.SelectMany(c => c.Server.OpenWatchesByClient).GroupBy(w => w.Key).ToDictionary(g => g.Key, g => g.Sum(w => w.Value));
        return fleet.Replicas.Where(r => r.Running).OrderByDescending(r => watches.GetValueOrDefault(r.Token)).ThenByDescending(r => r.Index).First().Index;
    }

    /// <summary>A port that was bound and closed: nothing listens there.</summary>
    private static string DeadEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    internal static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure) =>
        Eventually.TrueAsync(condition, timeout, failure, TimeSpan.FromMilliseconds(200));

    [GeneratedRegex("export.*fail|fail.*export", RegexOptions.IgnoreCase)]
    private static partial Regex ExportFailed();

    /// <summary>"1,234 spans dropped", "dropped 12 spans", "18 dropped": a count above zero next to "dropped".</summary>
    [GeneratedRegex(@"([1-9][\d,]*\s+(spans?\s+)?(were\s+)?(dropped|lost|not exported))|((dropped|lost)\D{0,20}[1-9])", RegexOptions.IgnoreCase)]
    private static partial Regex SaysDropped();
}
