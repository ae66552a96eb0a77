using System.Globalization;
using KSpanActors.Processes.Tests.Harness;
using KSpanActors.Tests.Launch;
using Xunit.Abstractions;

namespace KSpanActors.Processes.Tests;

/// <summary>
/// Replicas of the real binary coming and going while fake clusters stream rollouts: a crash (kill -9), a rolling
/// restart, scaling out and in. Whatever happens to the replicas: no Event occurrence lost, no span id twice, every trace
/// whole (exactly one root per trace id, every parent present).
/// </summary>
[Trait("Category", "Processes")]
public sealed class FleetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RewatchBound = TimeSpan.FromSeconds(10);

    [Fact]
    [Trait("Category", "Failover")]
    public async Task Failover_kill_9_of_the_busiest_replica_mid_stream_loses_nothing_duplicates_nothing_and_its_clusters_are_watched_again_within_10_seconds()
    {
        // fake-1 is the busiest cluster (twice the rollouts of the others)
        // Settle 2 s (the service's default is 5 s): an object waits 4 settle periods for its owner, longer than it takes to
        // notice the crash (~3.5 s), after which decisions wait for the relist (FleetHealth).
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 3, ClusterCopies = [40, 20, 20], SettleAfter = TimeSpan.FromSeconds(2) }, output);
        var total = fleet.Clusters.Sum(c => c.Documents.Count);
        var stream = fleet.StreamAsync(TimeSpan.FromSeconds(15));
        await SignalTests.WaitUntilAsync(() => Task.FromResult(fleet.PendingDocuments <= total * 6 / 10), TimeSpan.FromSeconds(30), () => "the stream did not reach 40%");

        // While its watcher moves (a rebalance), a cluster is watched by the old replica and the new one for a moment.
        IReadOnlyList<string> busiest = [];
        await SignalTests.WaitUntilAsync(() => Task.FromResult((busiest = fleet.Clusters[0].Watchers).Count == 1), TimeSpan.FromSeconds(10),
            () => $"{fleet.Clusters[0].Name} should be watched by exactly one replica, is by: {string.Join(", ", busiest)}\n{fleet.Diagnosis()}");
        var victim = fleet.Replicas.Single(r => r.Token == busiest[0]);
        var affected = fleet.Clusters.Where(c => c.Watchers.Contains(victim.Token)).ToList();
        var killedAt = DateTimeOffset.UtcNow;
        fleet.Kill9(victim.Index);
        await fleet.WaitForExitAsync(victim.Index, TimeSpan.FromSeconds(10));

        // from the kill to the first watch a survivor opens on each cluster the victim watched (the fake servers' request log)
        var rewatch = new Dictionary<string, TimeSpan?>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            foreach (var c in affected)
            {
                var first = c.Server.Requests.Where(q => q.IsWatch && q.Token != victim.Token && q.AtUtc >= killedAt).Select(q => (DateTimeOffset?)q.AtUtc).Min();
                rewatch[c.Name] = first - killedAt;
            }

            if (rewatch.Values.All(v => v is not null) || DateTime.UtcNow > deadline) break;
            await Task.Delay(200);
        }

        await stream;
        var audit = await fleet.WaitForSpansAsync(TimeSpan.FromSeconds(150));

        var figures = string.Join("; ", rewatch.Select(r => $"{r.Key} watched again after {(r.Value is { } t ? t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + "s" : "never (60s)")}" +
                                                        $" by {string.Join(",", fleet.Clusters.Single(c => c.Name == r.Key).Watchers)}"));
        output.WriteLine($"FIGURES kill -9 {victim.Name} (watching {string.Join(", ", affected.Select(c => c.Name))}) at 40% of the stream: lost {audit.Lost.Count}, duplicated {audit.Duplicated}, " +
                         $"traces not whole {audit.BrokenTraces.Count}; {figures}; {audit.Summary()}");
        Assert.True(audit.Lost.Count == 0, $"lost {audit.Lost.Count:N0} Event occurrences after kill -9 of {victim.Name}\n{audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
        Assert.True(audit.Duplicated == 0, $"{audit.Duplicated:N0} span ids received more than once after kill -9 of {victim.Name}\n{audit.Summary()}\n{audit.Examples()}");
        Assert.True(audit.TreesWhole, $"traces not whole after kill -9 of {victim.Name}\n{audit.Summary()}\n{audit.Examples()}");
        Assert.True(rewatch.Values.All(v => v is { } t && t <= RewatchBound),
            $"the clusters of {victim.Name} were not all watched again within {RewatchBound.TotalSeconds:F0}s of the kill: {figures}\n{fleet.Diagnosis()}");
    }

    [Fact]
    public async Task Once_three_replicas_shared_out_the_watchers_each_clusters_facts_stay_on_the_replica_watching_it()
    {
        // The default placement (Source): a cluster's object shards live where its watcher reads it. The first replica up
        // starts every watcher; as the others join, watchers spread and the clusters' shards follow them, after which
        // no fact crosses between replicas (kspan_facts_from_other_replicas_total stops moving on every replica).
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 3, ClusterCopies = [20, 20, 20] }, output);
        var facts = fleet.Clusters.Sum(c => c.Documents.Count);
        string Watchers() => string.Join(", ", fleet.Clusters.Select(c => $"{c.Name} by {string.Join("+", c.Watchers)}"));
        var started = DateTime.UtcNow;
        var stream = fleet.StreamAsync(TimeSpan.FromSeconds(20));

        // Settled: every cluster watched by one replica, and a fifth of all facts read since anything last crossed.
        var (read, crossed) = await FactsAsync(fleet);
        var (readAtLastCrossing, crossedAtLastCrossing, lastCrossingAt) = (read, crossed, started);
        TimeSpan? settledAfter = null;
        await SignalTests.WaitUntilAsync(async () =>
        {
            (read, crossed) = await FactsAsync(fleet);
            if (crossed != crossedAtLastCrossing) (readAtLastCrossing, crossedAtLastCrossing, lastCrossingAt) = (read, crossed, DateTime.UtcNow);
            if (fleet.Clusters.Any(c => c.Watchers.Count != 1) || read - readAtLastCrossing < facts / 5) return false;
            settledAfter = lastCrossingAt - started;
            return true;
        }, TimeSpan.FromSeconds(60), () => $"facts still crossed between replicas: {crossed:N0} of {read:N0} read crossed, the last after {read - readAtLastCrossing:N0} more were read " +
                                            $"at +{(lastCrossingAt - started).TotalSeconds:F1}s; watchers: {Watchers()}\n{fleet.Diagnosis()}");

        var (readSettled, crossedSettled) = (read, crossed);
        await stream;
        var audit = await fleet.WaitForSpansAsync(TimeSpan.FromSeconds(120));
        var (readEnd, crossedEnd) = await FactsAsync(fleet);
        output.WriteLine($"FIGURES source placement: {crossedSettled:N0} of {readSettled:N0} facts read crossed until +{settledAfter?.TotalSeconds:F1}s after the stream began; " +
                         $"afterwards {crossedEnd - crossedSettled:N0} of {readEnd - readSettled:N0}; watchers: {Watchers()}; {audit.Summary()}");
        Assert.True(crossedEnd == crossedSettled, $"{crossedEnd - crossedSettled:N0} of the {readEnd - readSettled:N0} facts read after the replicas settled crossed between replicas\n{fleet.Diagnosis()}");
        Assert.True(audit.Complete && audit.Duplicated == 0 && audit.TreesWhole, $"source placement: {audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
    }

    /// <summary>Facts (Events and objects) the replicas read, and those that crossed to another replica's actors, summed over the replicas.</summary>
    private static async Task<(long Read, long Crossed)> FactsAsync(KSpanFleet fleet)
    {
        long read = 0, crossed = 0;
        foreach (var r in fleet.Replicas.Where(r => r.Running))
        {
            var m = await KSpanHttp.MetricsAsync(r.HttpPort) ?? throw new InvalidOperationException($"{r.Name} does not answer /metrics\n{r.Process.LogTail()}");
            read += (long)(m.GetValueOrDefault("kspan_events_received_total") + m.GetValueOrDefault("kspan_objects_received_total"));
            crossed += (long)m.GetValueOrDefault("kspan_facts_from_other_replicas_total");
        }
        return (read, crossed);
    }

    [Fact]
    public async Task Rolling_restart_of_three_replicas_while_streaming_loses_nothing_duplicates_nothing_and_keeps_every_trace_whole()
    {
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 3, ClusterCopies = [15, 15, 15] }, output);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var stream = fleet.StreamAsync(TimeSpan.FromSeconds(40), stop.Token);

        var exits = new List<string>();
        foreach (var r in fleet.Replicas.ToList())
        {
            fleet.Terminate(r.Index);
            var (code, after) = await fleet.WaitForExitAsync(r.Index, ExitBound);
            exits.Add($"{r.Name} exit {code?.ToString(CultureInfo.InvariantCulture) ?? "none"} after {after?.TotalSeconds:F1}s");
            Assert.True(code is not null, $"{r.Name} still running {ExitBound.TotalSeconds:F0}s after SIGTERM (rolling restart)\n{r.Process.LogTail()}");
            Assert.True(code == 0, $"{r.Name} exited with {code} after SIGTERM (rolling restart)\n{r.Process.LogTail()}");
            await fleet.RestartAsync(r.Index);
        }

        await stream;
        var audit = await fleet.WaitForSpansAsync(TimeSpan.FromSeconds(150));

        output.WriteLine($"FIGURES rolling restart: {string.Join("; ", exits)}; {audit.Summary()}");
        Assert.True(audit.Complete && audit.Duplicated == 0 && audit.TreesWhole, $"rolling restart: {audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
    }

    [Fact]
    public async Task Scaling_from_one_to_three_replicas_and_back_to_one_while_streaming_loses_nothing_duplicates_nothing_and_keeps_every_trace_whole()
    {
        // one replica, in cluster mode (seed node: itself), as a StatefulSet of one would run
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = 1, Seeds = true, ClusterCopies = [15, 15, 15] }, output);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var stream = fleet.StreamAsync(TimeSpan.FromSeconds(40), stop.Token);

        await fleet.AddAsync();
        await fleet.AddAsync();
        var steps = new List<string> { $"3 replicas, {fleet.PendingDocuments:N0} documents still to stream" };
        foreach (var index in new[] { 2, 1 })
        {
            fleet.Terminate(index);
            var (code, after) = await fleet.WaitForExitAsync(index, ExitBound);
            var process = fleet.Replicas[index].Process;
            steps.Add($"replica-{index} exit {code?.ToString(CultureInfo.InvariantCulture) ?? "none"} after {after?.TotalSeconds:F1}s");
            Assert.True(code is not null, $"replica-{index} still running {ExitBound.TotalSeconds:F0}s after SIGTERM (scale-in)\n{process.LogTail()}");
            Assert.True(code == 0, $"replica-{index} exited with {code} after SIGTERM (scale-in)\n{process.LogTail()}");
        }

        await stream;
        var audit = await fleet.WaitForSpansAsync(TimeSpan.FromSeconds(150));

        output.WriteLine($"FIGURES scale 1 -> 3 -> 1: {string.Join("; ", steps)}; {audit.Summary()}");
        Assert.True(audit.Complete && audit.Duplicated == 0 && audit.TreesWhole, $"scale 1 -> 3 -> 1: {audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
    }
}
