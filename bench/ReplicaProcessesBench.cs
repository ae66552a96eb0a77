using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Launch;

namespace KSpanActors.Bench;

/// <summary>
/// The processes pass of <c>--mode replicas</c>: 1, then 3 <c>kspan-actors watch</c> processes on 127.0.0.1 forming one
/// Akka cluster, configured only through environment variables as an operator would (seed node = the first replica,
/// remoting and HTTP ports, the clusters, settle/passivate/names as the other modes use, <c>--quiet</c>), watching
/// <see cref="BenchOptions.ProcessClusters"/> fake clusters (one <see cref="FakeKubeApiServer"/> each, every one streaming
/// the same per-cluster input file through its feed, <see cref="InputFeed"/>, under its own cluster name) and exporting
/// over OTLP/gRPC to an <see cref="OtlpTestReceiver"/> that only counts. The processes are started and watched with the
/// process tests' launcher (<see cref="KSpanProcess"/>, <see cref="PublishedBinary"/>, <see cref="KSpanHttp"/>). Watch responses are held until every replica answers /readyz 200 and the
/// watchers have stopped moving; then two warm-up rounds of clusters of their own (warm-1.., the input's first documents)
/// are released and exported in full, the replicas go quiet, and the input is released: the pass ends when every expected
/// event occurrence arrived at the receiver as a span. CPU is the replicas' own (utime + stime of /proc/PID/stat, summed), from the
/// release to the last expected span: the bench process, which hosts the fake API servers and the receiver, is not in it.
/// </summary>
internal static class ReplicaProcessesBench
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static async Task<(JsonObject Json, bool Complete)> RunAsync(BenchOptions options)
    {
        var perClusterEvents = options.ProcessEvents / options.ProcessClusters;
        var perClusterObjects = Math.Max(10, (long)Math.Round(perClusterEvents * (double)options.Objects / Math.Max(1, options.Events)));
        Console.WriteLine(string.Create(Culture,
            $"processes: {options.ProcessClusters} fake clusters x ~{perClusterEvents:N0} events (~{perClusterObjects:N0} objects) each"));
        var input = BenchInput.Prepare(options with { Events = perClusterEvents, Objects = perClusterObjects });
        var work = Directory.CreateTempSubdirectory("kspan-bench-procs-");
        var sw = Stopwatch.StartNew();
        var binary = await PublishedBinary.PathAsync(options.KspanBin);
        Console.WriteLine(string.Create(Culture, $"processes: kspan-actors {binary} ({(options.KspanBin is null && Environment.GetEnvironmentVariable("KSPAN_BIN") is null ? $"published in {sw.Elapsed.TotalSeconds:N1} s" : "given")})"));

        var one = await PassAsync(1, options, input, binary, work.FullName);
        var three = await PassAsync(3, options, input, binary, work.FullName);
        var ratio = three.CpuPerMillion / one.CpuPerMillion;
        Console.WriteLine(string.Create(Culture,
            $"replicas as processes: 1 process {one.EventsPerSecond:N0} events/s, {one.CpuPerMillion:N1} CPU-s per million events; 3 processes {three.EventsPerSecond:N0} events/s, {three.CpuPerMillion:N1} CPU-s per million events; cost ratio {ratio:N2} (3 processes' CPU-s per million events over 1 process's; target <= 1.25){(one.Complete && three.Complete ? "" : " INCOMPLETE")}"));
        Console.WriteLine($"processes: replica logs kept in {work.FullName}");
        var json = new JsonObject
        {
            ["clusters"] = options.ProcessClusters,
            ["events"] = input.Events * options.ProcessClusters,
            ["export"] = "otlp/grpc to an in-bench receiver",
            ["cpu"] = "utime+stime of the replica processes, release to last expected span",
            ["one"] = one.ToJson(),
            ["three"] = three.ToJson(),
            ["cost_ratio"] = Math.Round(ratio, 3),
            ["cost_ratio_reference"] = "cpu_seconds_per_million_events of 1 process",
        };
        return (json, one.Complete && three.Complete);
    }

    private static async Task<PassResult> PassAsync(int count, BenchOptions options, InputSummary input, string binary, string work)
    {
        var k = options.ProcessClusters;
        var expected = input.Events * k;
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Warm-up (not timed): rounds of fake clusters of their own (warm-1.., the input's first documents), each
        // released and exported in full before the timed input: every replica compiles its hot path before the timed
        // window, as a long-running fleet has, so the ratio compares the cost per Event and not k JIT compilations
        // against one. The pipeline mode's warm-up rounds, shared by the k clusters.
        // Then a last round as large as the largest: a replica's runtime starts counting calls for tier-up only once new
        // methods stop being compiled, which the first rounds hardly allow; measured (dotnet_jit_compiled_methods_total),
        // ~1,700 methods per replica were still compiled to their final tier inside the timed window after two rounds,
        // 700-1,050 after a third of 4,166 documents per cluster.
        var rounds = options.WarmUpRounds.Select(d => d / k).Where(d => d > 0).ToList();
        var warmDocs = rounds.Count == 0 ? [] : rounds.Append(rounds.Max()).ToArray();
        var warmReleases = warmDocs.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        await using var receiver = await OtlpTestReceiver.StartAsync(new OtlpReceiverOptions { KeepRequests = false, MaxReceiveMessageSize = null });
        var feeds = new List<InputFeed>();
        var servers = new List<FakeKubeApiServer>();
        var replicas = new List<Replica>();
        var dir = Directory.CreateDirectory(Path.Combine(work, $"pass-{count}"));
        long warmSpans = 0, warmEventSpans = 0, warmAllSpans = 0;
        try
        {
            // The fake clusters' queues live in this process; smaller per-kind queues keep k servers' documents in its heap limit.
            for (var c = 0; c < k; c++)
            {
                feeds.Add(new InputFeed(input.Path, Math.Min(options.KindChannel, 1024), options.FlushLines, release: release.Task));
                servers.Add(await feeds[c].StartServerAsync());
            }
            var warmFeeds = new List<InputFeed>[warmDocs.Length];
            for (var w = 0; w < warmDocs.Length; w++)
            {
                warmFeeds[w] = [];
                for (var c = 0; c < k; c++)
                {
                    var feed = new InputFeed(input.Path, Math.Min(options.KindChannel, 1024), options.FlushLines, release: warmReleases[w].Task, maxDocuments: warmDocs[w]);
                    feeds.Add(feed);
                    warmFeeds[w].Add(feed);
                    servers.Add(await feed.StartServerAsync());
                }
            }
            var kubeconfigs = servers.Select((s, c) => s.WriteKubeconfig(Path.Combine(dir.FullName, $"cluster-{c + 1}"), "bench")).ToList();
            var akkaPorts = Enumerable.Range(0, count).Select(_ => KSpanHttp.FreePort()).ToArray();
            var httpPorts = Enumerable.Range(0, count).Select(_ => KSpanHttp.FreePort()).ToArray();
            var settings = options.PipelineSettings();
            var shared = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["KSpan__Pipeline__SeedNodes__0"] = $"akka.tcp://kspan@127.0.0.1:{akkaPorts[0]}",
                ["KSpan__Pipeline__Hostname"] = "127.0.0.1",
                ["KSpan__Pipeline__SettleAfter"] = settings.SettleAfter.GetValueOrDefault().ToString("c", Culture),
                ["KSpan__Pipeline__PassivateAfter"] = settings.PassivateAfter.GetValueOrDefault().ToString("c", Culture),
                ["KSpan__Pipeline__NameRetention"] = settings.NameRetention.ToString("c", Culture),
                ["KSpan__Pipeline__BatchSize"] = settings.BatchSize.ToString(Culture),
                ["KSpan__Pipeline__Shards"] = settings.Shards.ToString(Culture),
                ["KSpan__Pipeline__Placement"] = settings.Placement.ToString(),
                ["KSpan__Pipeline__ShardsPerCluster"] = settings.ShardsPerCluster.ToString(Culture),
                ["KSpan__Http__Address"] = "127.0.0.1",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.GrpcEndpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            };
            for (var c = 0; c < servers.Count; c++)
            {
                shared[$"KSpan__Clusters__{c}__Name"] = c < k ? $"bench-{c + 1}" : $"warm-{c - k + 1}";
                shared[$"KSpan__Clusters__{c}__Kubeconfig"] = kubeconfigs[c];
                shared[$"KSpan__Clusters__{c}__Context"] = "bench";
            }
            foreach (var e in options.ReplicaEnv)
            {
                var at = e.IndexOf('=', StringComparison.Ordinal);
                shared[e[..at]] = e[(at + 1)..];
            }
            if (count == 1)
            {
                Console.WriteLine("processes: replica environment (besides KSpan__Pipeline__Port and KSpan__Http__Port): " +
                    string.Join(" ", shared.Where(kv => !kv.Key.StartsWith("KSpan__Clusters__", StringComparison.Ordinal)).Select(kv => $"{kv.Key}={kv.Value}")) +
                    $" KSpan__Clusters__0..{servers.Count - 1}__Name/Kubeconfig/Context=bench-1..{k}, warm-1..{servers.Count - k}; args: watch --quiet");
            }

            var startedAt = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var env = new Dictionary<string, string>(shared, StringComparer.Ordinal)
                {
                    ["KSpan__Pipeline__Port"] = akkaPorts[i].ToString(Culture),
                    ["KSpan__Http__Port"] = httpPorts[i].ToString(Culture),
                };
                var process = KSpanProcess.Start($"replica-{i + 1}", binary, ["watch", "--quiet"], env, dir.FullName, Path.Combine(dir.FullName, $"replica-{i + 1}.log"));
                replicas.Add(new Replica(i, process, httpPorts[i]));
            }

            // Ready: every replica answers /readyz 200 (bounded: 120 s from the start for all).
            foreach (var r in replicas)
            {
                try
                {
                    await KSpanHttp.WaitReadyAsync(r.Process, r.HttpPort, TimeSpan.FromSeconds(120) - Stopwatch.GetElapsedTime(startedAt));
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    return Fail(count, expected, $"replica {r.Index + 1} not ready: {e.Message.Split('\n')[0]}; see {r.LogPath}", replicas, receiver);
                }
            }
            var readySeconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;

            // Watchers in place: every fake cluster holds one watch per collection, and no watch request came for 11 s
            // (one sharding rebalance tick, 10 s, passed without moving a watcher). Bounded (180 s: sharding moves about one
            // watcher per tick, and the 18 clusters with the warm-up's needed more than 90 s); a warning if not reached.
            var stableFrom = Stopwatch.GetTimestamp();
            var lastRequests = -1L;
            var settledBy = Stopwatch.GetTimestamp();
            var watchersSettled = false;
            while (Stopwatch.GetElapsedTime(settledBy) < TimeSpan.FromSeconds(180))
            {
                var requests = servers.Sum(s => s.WatchesOpened);
                var complete = servers.All(s => s.OpenWatches == FakeWatchFeed.WatchedKinds.Count);
                if (requests != lastRequests || !complete) (lastRequests, stableFrom) = (requests, Stopwatch.GetTimestamp());
                else if (Stopwatch.GetElapsedTime(stableFrom) >= TimeSpan.FromSeconds(11))
                {
                    watchersSettled = true;
                    break;
                }
                if (replicas.FirstOrDefault(r => r.HasExited) is { } gone) return Fail(count, expected, $"replica {gone.Index + 1} exited ({gone.ExitCode}); see {gone.LogPath}", replicas, receiver);
                await Task.Delay(200);
            }
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es) ready in {readySeconds:N1} s (pids {string.Join(", ", replicas.Select(r => r.Pid))}); watchers {(watchersSettled ? "settled" : "NOT SETTLED after 180 s")}: {servers.Sum(s => s.OpenWatches)} watches open on {servers.Count} fake clusters, {servers.Sum(s => s.WatchesOpened)} watch requests so far; start-up CPU {string.Join(" + ", replicas.Select(r => r.CpuSeconds().ToString("N1", Culture)))} s; RSS {string.Join(" + ", replicas.Select(r => (r.RssBytes() / 1e6).ToString("N0", Culture)))} MB"));

            // Warm-up rounds, then a quiet replica (its background compilation and passivations done).
            var warmSw = Stopwatch.StartNew();
            var jitPerRound = new List<string>();
            for (var w = 0; w < warmDocs.Length; w++)
            {
                var jitBefore = await JitMethodsAsync(replicas);
                var before = receiver.DistinctEventSpans;
                warmReleases[w].TrySetResult();
                long seen = -1;
                var progress = Stopwatch.GetTimestamp();
                while (true)
                {
                    var got = receiver.DistinctEventSpans - before;
                    var done = warmFeeds[w].All(f => f.ReaderDone.IsCompleted && f.Feed.Queued == 0);
                    if (done && got >= warmFeeds[w].Sum(f => f.EventsWritten)) break;
                    if (got != seen) (seen, progress) = (got, Stopwatch.GetTimestamp());
                    if (Stopwatch.GetElapsedTime(progress) > TimeSpan.FromSeconds(20))
                    {
                        Console.WriteLine(string.Create(Culture, $"{count} process(es): warm-up round {w + 1} incomplete ({got:N0} of {warmFeeds[w].Sum(f => f.EventsWritten):N0} event spans, none for 20 s); going on"));
                        break;
                    }
                    if (replicas.FirstOrDefault(r => r.HasExited) is { } gone) return Fail(count, expected, $"replica {gone.Index + 1} exited ({gone.ExitCode}) during the warm-up; see {gone.LogPath}", replicas, receiver);
                    await Task.Delay(100);
                }
                await CpuQuietAsync(replicas);
                var jitAfter = await JitMethodsAsync(replicas);
                jitPerRound.Add(string.Join(" + ", jitAfter.Select((m, i) => (m - jitBefore[i]).ToString("N0", Culture))));
            }
            var warmEvents = new double[replicas.Count];
            var atStart = new IReadOnlyDictionary<string, double>[replicas.Count];
            for (var i = 0; i < replicas.Count; i++)
            {
                atStart[i] = await KSpanHttp.MetricsAsync(replicas[i].HttpPort) ?? new Dictionary<string, double>();
                warmEvents[i] = atStart[i].GetValueOrDefault("kspan_events_received_total");
            }
            (warmSpans, warmEventSpans, warmAllSpans) = (receiver.DistinctEventSpans, receiver.EventSpans, receiver.SpanCount);
            if (warmDocs.Length > 0)
            {
                Console.WriteLine(string.Create(Culture,
                    $"{count} process(es): warm-up (not timed): {warmDocs.Length} rounds of {k} fake clusters (the input's first {string.Join(" and ", warmDocs.Select(d => d.ToString("N0", Culture)))} documents each), {warmSpans:N0} event spans in {warmSw.Elapsed.TotalSeconds:N1} s, then the replicas quiet; methods compiled per round and replica: {string.Join("; ", jitPerRound)}; CPU {string.Join(" + ", replicas.Select(r => r.CpuSeconds().ToString("N1", Culture)))} s"));
            }

            // Timed: release the input, wait for every expected event occurrence at the receiver.
            var cpu0 = replicas.Select(r => r.CpuSeconds()).ToArray();
            var startupCpu = cpu0.ToArray();
            var t0 = Stopwatch.GetTimestamp();
            release.TrySetResult();
            long last = -1, atLine = 0;
            long lastProgress = Stopwatch.GetTimestamp(), lastLine = Stopwatch.GetTimestamp();
            var cpuAtLast = cpu0;
            string? failure = null;
            while (true)
            {
                var got = receiver.DistinctEventSpans - warmSpans;
                var now = Stopwatch.GetTimestamp();
                if (got >= expected) break;
                if (got != last) (last, lastProgress, cpuAtLast) = (got, now, [.. replicas.Select(r => r.CpuSeconds())]);
                if (got > 0 && feeds.Take(k).All(f => f.ReaderDone.IsCompleted && f.Feed.Queued == 0) && Stopwatch.GetElapsedTime(lastProgress, now) > TimeSpan.FromSeconds(15))
                {
                    // Every document was served and nothing more arrives: the window ends at the last event span received.
                    failure = $"MISSING {expected - got:N0} of {expected:N0} event occurrences: every document served, no new event span for 15 s; timed up to the last one";
                    break;
                }
                if (replicas.FirstOrDefault(r => r.HasExited) is { } gone)
                {
                    failure = $"replica {gone.Index + 1} exited ({gone.ExitCode}) during the run: {got:N0} of {expected:N0} event spans received; see {gone.LogPath}";
                    break;
                }
                if (Stopwatch.GetElapsedTime(t0, now) > timeout)
                {
                    failure = $"TIMEOUT after {timeout.TotalSeconds:N0} s: {got:N0} of {expected:N0} event spans received";
                    break;
                }
                if (Stopwatch.GetElapsedTime(lastProgress, now) > TimeSpan.FromSeconds(30))
                {
                    failure = $"STALLED: {got:N0} of {expected:N0} event spans received, none for 30 s (fake clusters: {feeds.Sum(f => f.Feed.LinesSent):N0} lines sent, {feeds.Sum(f => f.Feed.Queued):N0} queued)";
                    break;
                }
                if (Stopwatch.GetElapsedTime(lastLine, now) >= TimeSpan.FromSeconds(2))
                {
                    var rate = (got - atLine) / Stopwatch.GetElapsedTime(lastLine, now).TotalSeconds;
                    (lastLine, atLine) = (now, got);
                    Console.WriteLine(string.Create(Culture,
                        $"  t={Stopwatch.GetElapsedTime(t0, now).TotalSeconds,5:N0}s event spans {got,10:N0} ({rate,8:N0}/s) lines sent {feeds.Take(k).Sum(f => f.Feed.LinesSent),10:N0} cpu {string.Join(" + ", replicas.Select((r, i) => (r.CpuSeconds() - cpu0[i]).ToString("N1", Culture)))} s"));
                }
                await Task.Delay(50);
            }
            var t1 = Stopwatch.GetTimestamp();
            var cpu = replicas.Select((r, i) => r.CpuSeconds() - cpu0[i]).ToArray();
            if (failure is not null && failure.StartsWith("MISSING", StringComparison.Ordinal))
            {
                t1 = lastProgress;
                cpu = [.. cpuAtLast.Select((c, i) => c - cpu0[i])];
            }
            var seconds = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
            var rss = replicas.Select(r => r.PeakRssBytes()).ToArray();
            if (failure is not null) Console.WriteLine($"{count} process(es): FAILED: {failure}");
            if (failure is not null && failure.StartsWith("MISSING", StringComparison.Ordinal)) ReportMissing(count, input.Path, k, receiver);

            // What each replica says it did (its /metrics), then the distribution of the work.
            var scraped = new List<IReadOnlyDictionary<string, double>>();
            foreach (var r in replicas) scraped.Add(await KSpanHttp.MetricsAsync(r.HttpPort) ?? new Dictionary<string, double>());
            double M(int i, string name) => scraped[i].TryGetValue(name, out var v) ? v : double.NaN;
            double Timed(int i, string name) => M(i, name) - atStart[i].GetValueOrDefault(name, double.NaN);
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es): in the timed window, per replica: JIT {string.Join(" + ", replicas.Select((_, i) => Timed(i, "dotnet_jit_compilation_time_seconds_total").ToString("N2", Culture)))} s ({string.Join(" + ", replicas.Select((_, i) => Timed(i, "dotnet_jit_compiled_methods_total").ToString("N0", Culture)))} methods), GC pauses {string.Join(" + ", replicas.Select((_, i) => Timed(i, "dotnet_gc_pause_time_seconds_total").ToString("N2", Culture)))} s in {string.Join(" + ", replicas.Select((_, i) => Timed(i, "dotnet_gc_collections_total").ToString("N0", Culture)))} collections"));
            var result = new PassResult(count, expected, receiver.DistinctEventSpans - warmSpans, seconds, cpu, startupCpu, rss,
                [.. replicas.Select((_, i) => M(i, "kspan_events_received_total") - warmEvents[i])], receiver.SpanCount - warmAllSpans, receiver.EventSpans - warmEventSpans,
                scraped.Sum(s => s.GetValueOrDefault("kspan_spans_dropped_total")), failure is null);
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es): {result.EventSpans:N0} of {expected:N0} event occurrences exported in {seconds:N2} s = {result.EventsPerSecond:N0} events/s; replica CPU {cpu.Sum():N1} s ({string.Join(" + ", cpu.Select(c => c.ToString("N1", Culture)))}) = {cpu.Sum() / seconds:N2} cores, {result.CpuPerMillion:N1} CPU-s per million events; peak RSS {string.Join(" + ", rss.Select(b => (b / 1e6).ToString("N0", Culture)))} MB"));
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es): events received per replica {string.Join(" + ", result.EventsPerReplica.Select(e => e.ToString("N0", Culture)))}; spans exported per replica {string.Join(" + ", replicas.Select((_, i) => M(i, "kspan_spans_exported_total").ToString("N0", Culture)))}, dropped {result.SpansDropped:N0}; facts from other replicas (whole run, warm-up included) {string.Join(" + ", replicas.Select((_, i) => M(i, "kspan_facts_from_other_replicas_total").ToString("N0", Culture)))}; receiver: {receiver.SpanCount:N0} spans in {receiver.RequestCount:N0} requests, distinct event spans per cluster {string.Join(" ", receiver.DistinctEventSpansByCluster.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(Culture, $"{kv.Key}={kv.Value:N0}")))}, {receiver.EventSpans - receiver.DistinctEventSpans:N0} event spans received twice; watch requests {servers.Sum(s => s.WatchesOpened)}"));
            return result;
        }
        finally
        {
            release.TrySetResult();
            foreach (var w in warmReleases) w.TrySetResult();
            var missing = expected - (receiver.DistinctEventSpans - warmSpans);
            await StopAsync(count, replicas);
            if (missing > 0 && missing < expected && replicas.Count > 0)
            {
                // Late or lost: a stopping replica exports what it holds (SIGTERM), so what arrives now was held, not lost.
                var still = expected - (receiver.DistinctEventSpans - warmSpans);
                Console.WriteLine(string.Create(Culture,
                    $"{count} process(es): after SIGTERM (each replica exports what it holds): {missing - still:N0} of the {missing:N0} missing occurrences arrived, {still:N0} never did"));
                if (still > 0) ReportMissing(count, input.Path, k, receiver);
            }
            foreach (var s in servers) await s.DisposeAsync();
            foreach (var f in feeds) f.Dispose();
        }
    }

    /// <summary>
    /// Which event occurrences never arrived: every cluster serves the same input, so each Event document's occurrence
    /// (its span id: cluster, event uid, count) is looked up at the receiver, and the missing ones are printed by kind and
    /// reason, with the first few in full.
    /// </summary>
    private static void ReportMissing(int count, string inputPath, int clusters, OtlpTestReceiver receiver)
    {
        var byReason = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<string>();
        foreach (var doc in InputFile.Read(inputPath))
        {
            if (!doc.IsEvent) continue;
            for (var c = 1; c <= clusters; c++)
            {
                var cluster = $"bench-{c}";
                if (!KubeDecoder.TryDecode(cluster, doc.Document, out var fact, out _) || fact is not EventObserved e) continue;
                if (receiver.HasEventSpan(cluster, KSpanActors.Tracing.StableHash.Event(cluster, e.EventUid, e.Count).Value)) continue;
                var key = $"{e.Kind}.{e.Reason}";
                byReason[key] = byReason.GetValueOrDefault(key) + 1;
                if (examples.Count < 8) examples.Add($"{cluster} {e.Kind} {e.Namespace}/{e.Name} uid={e.ObjectUid} {e.Reason} count={e.Count} event={e.EventUid} \"{e.Message}\"");
            }
        }
        Console.WriteLine($"{count} process(es): missing occurrences by kind and reason: {string.Join(", ", byReason.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var x in examples) Console.WriteLine($"  missing: {x}");
    }

    /// <summary>Methods each replica's JIT compiled so far (its /metrics; NaN when one does not answer).</summary>
    private static async Task<double[]> JitMethodsAsync(IReadOnlyList<Replica> replicas)
    {
        var methods = new double[replicas.Count];
        for (var i = 0; i < replicas.Count; i++)
        {
            methods[i] = (await KSpanHttp.MetricsAsync(replicas[i].HttpPort))?.GetValueOrDefault("dotnet_jit_compiled_methods_total", double.NaN) ?? double.NaN;
        }
        return methods;
    }

    /// <summary>Waits until the replicas use less than 2 % of a core together over 1 s (bounded: 30 s).</summary>
    private static async Task CpuQuietAsync(List<Replica> replicas)
    {
        var sw = Stopwatch.StartNew();
        var last = replicas.Sum(r => r.CpuSeconds());
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(1000);
            var now = replicas.Sum(r => r.CpuSeconds());
            if (now - last < 0.02) return;
            last = now;
        }
    }

    private static PassResult Fail(int count, long expected, string why, List<Replica> replicas, OtlpTestReceiver receiver)
    {
        Console.WriteLine($"{count} process(es): FAILED: {why}");
        return new PassResult(count, expected, receiver.DistinctEventSpans, double.NaN, [.. replicas.Select(_ => double.NaN)], [.. replicas.Select(_ => double.NaN)],
            [.. replicas.Select(_ => 0L)], [.. replicas.Select(_ => double.NaN)], receiver.SpanCount, receiver.EventSpans, double.NaN, false);
    }

    /// <summary>SIGTERM, later replicas first and the seed last (as the in-process pass leaves), each bounded; SIGKILL after.</summary>
    private static async Task StopAsync(int count, List<Replica> replicas)
    {
        for (var i = replicas.Count - 1; i >= 0; i--)
        {
            var r = replicas[i];
            if (r.HasExited) continue;
            r.Process.Terminate();
            if (await r.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)) is null)
            {
                Console.WriteLine($"replica {r.Index + 1} (pid {r.Pid}) did not stop within 30 s of SIGTERM: killed");
                r.Process.Kill9();
            }
        }
        ReportLogs(count, replicas);
        foreach (var r in replicas) r.Process.Dispose();
    }

    /// <summary>Warnings and errors the replicas logged (their logs stay in the work directory).</summary>
    private static void ReportLogs(int count, List<Replica> replicas)
    {
        foreach (var r in replicas)
        {
            var lines = r.Process.Log().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var bad = r.Process.LogProblems();
            Console.WriteLine(string.Create(Culture, $"{count} process(es), replica {r.Index + 1} log: {lines.Length} lines, {bad.Count} warnings/errors ({r.LogPath}); exit code {r.Process.ExitCode?.ToString(Culture) ?? "?"}"));
            foreach (var l in bad.Take(4)) Console.WriteLine("    " + (l.Length > 240 ? l[..240] + "…" : l));
        }
    }

    private sealed record PassResult(
        int Replicas, long Expected, long EventSpans, double Seconds, double[] Cpu, double[] StartupCpu, long[] PeakRss,
        double[] EventsPerReplica, long SpansReceived, long EventSpansReceived, double SpansDropped, bool Complete)
    {
        public double EventsPerSecond => Expected / Seconds; // every event was served and received (events_received_per_replica)

        public double CpuPerMillion => Cpu.Sum() / Math.Max(1, Expected) * 1e6;

        public JsonObject ToJson() => new()
        {
            ["replicas"] = Replicas,
            ["events"] = EventSpans,
            ["expected_events"] = Expected,
            ["events_per_s"] = Num(EventsPerSecond, 0),
            ["cpu_seconds"] = Num(Cpu.Sum(), 2),
            ["cpu_seconds_per_million_events"] = Num(CpuPerMillion, 2),
            ["cpu_seconds_per_replica"] = new JsonArray([.. Cpu.Select(c => (JsonNode?)Num(c, 2))]),
            ["startup_cpu_seconds_per_replica"] = new JsonArray([.. StartupCpu.Select(c => (JsonNode?)Num(c, 2))]),
            ["peak_rss_mb_per_replica"] = new JsonArray([.. PeakRss.Select(b => (JsonNode?)Math.Round(b / (1024.0 * 1024.0), 1))]),
            ["events_received_per_replica"] = new JsonArray([.. EventsPerReplica.Select(e => (JsonNode?)Num(e, 0))]),
            ["seconds"] = Num(Seconds, 3),
            ["spans_received"] = SpansReceived,
            ["event_spans_received_twice"] = EventSpansReceived - EventSpans,
            ["spans_dropped"] = Num(SpansDropped, 0),
            ["complete"] = Complete,
        };

        private static JsonNode? Num(double v, int digits) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, digits)) : null;
    }

    /// <summary>One replica: its process and its HTTP port, with what the pass reads of it.</summary>
    private sealed record Replica(int Index, KSpanProcess Process, int HttpPort)
    {
        public int Pid => Process.Pid;

        public string LogPath => Process.LogPath;

        public bool HasExited => Process.HasExited;

        public int ExitCode => Process.ExitCode ?? -1;

        public double CpuSeconds() => Process.CpuSeconds();

        public long RssBytes() => Process.RssBytes();

        public long PeakRssBytes() => Process.PeakRssBytes();
    }
}
