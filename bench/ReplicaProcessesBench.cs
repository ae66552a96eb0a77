using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KSpanActors.Bench;

/// <summary>
/// The processes pass of <c>--mode replicas</c>: 1, then 3 <c>kspan-actors watch</c> processes on 127.0.0.1 forming one
/// Akka cluster, configured only through environment variables as an operator would (seed node = the first replica,
/// remoting and HTTP ports, the clusters, settle/passivate/names as the other modes use, <c>--quiet</c>), watching
/// <see cref="BenchOptions.ProcessClusters"/> fake clusters (one <see cref="FakeApiServer"/> each, every one serving the
/// same per-cluster input file under its own cluster name) and exporting over OTLP/gRPC to
/// <see cref="OtlpCountingReceiver"/>. Watch responses are held until every replica answers /readyz 200 and the
/// watchers have stopped moving; then the input is released and the pass ends when every expected event occurrence
/// arrived at the receiver as a span. CPU is the replicas' own (utime + stime of /proc/PID/stat, summed), from the
/// release to the last expected span: the bench process, which hosts the fake API servers and the receiver, is not in it.
/// </summary>
internal static partial class ReplicaProcessesBench
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
        var (fileName, prefix) = await ResolveBinaryAsync(options, work.FullName);

        var one = await PassAsync(1, options, input, fileName, prefix, work.FullName);
        var three = await PassAsync(3, options, input, fileName, prefix, work.FullName);
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

    /// <summary>The published kspan-actors: --kspan-bin, else <c>dotnet publish src/Host -c Release</c> into the work directory.</summary>
    private static async Task<(string FileName, string[] Prefix)> ResolveBinaryAsync(BenchOptions options, string work)
    {
        static (string, string[]) Launch(string path) => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? ("dotnet", [path])
            : (path, []);
        if (options.KspanBin is { } given)
        {
            var path = Directory.Exists(given) ? Path.Combine(given, "kspan-actors") : given;
            if (!File.Exists(path) && File.Exists(path + ".dll")) path += ".dll";
            if (!File.Exists(path)) throw new FileNotFoundException($"--kspan-bin {given}: no kspan-actors there");
            Console.WriteLine($"processes: kspan-actors from --kspan-bin: {Path.GetFullPath(path)}");
            return Launch(Path.GetFullPath(path));
        }
        var root = FindRepositoryRoot() ?? throw new InvalidOperationException("cannot find the repository (KSpanActors.sln) above the working directory or the bench; give --kspan-bin");
        var output = Path.Combine(work, "kspan-actors");
        var sw = Stopwatch.StartNew();
        var publish = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Path.Combine(root, "src", "Host"), "-c", "Release", "-o", output, "-nologo", "-v", "q" }) publish.ArgumentList.Add(a);
        using var p = Process.Start(publish)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"dotnet publish src/Host failed ({p.ExitCode}):\n{await stdout}\n{await stderr}");
        Console.WriteLine(string.Create(Culture, $"processes: published src/Host (Release) to {output} in {sw.Elapsed.TotalSeconds:N1} s"));
        return Launch(Path.Combine(output, "kspan-actors"));
    }

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "KSpanActors.sln"))) return dir.FullName;
            }
        }
        return null;
    }

    private static async Task<PassResult> PassAsync(int count, BenchOptions options, InputSummary input, string fileName, string[] prefix, string work)
    {
        var k = options.ProcessClusters;
        var expected = input.Events * k;
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await OtlpCountingReceiver.StartAsync();
        var servers = new List<FakeApiServer>();
        var replicas = new List<Replica>();
        var dir = Directory.CreateDirectory(Path.Combine(work, $"pass-{count}"));
        try
        {
            // The fake clusters' queues live in this process; smaller per-kind queues keep k servers' documents in its heap limit.
            for (var c = 0; c < k; c++)
            {
                servers.Add(await FakeApiServer.StartAsync(input.Path, Math.Min(options.KindChannel, 1024), options.FlushLines, () => { }, release.Task));
            }
            var kubeconfigs = servers.Select((s, c) => s.WriteKubeconfig(Path.Combine(dir.FullName, $"kubeconfig-{c + 1}"))).ToList();
            var akkaPorts = FreePorts(count);
            var httpPorts = FreePorts(count);
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
                ["KSpan__Http__Address"] = "127.0.0.1",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            };
            for (var c = 0; c < k; c++)
            {
                shared[$"KSpan__Clusters__{c}__Name"] = $"bench-{c + 1}";
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
                    $" KSpan__Clusters__0..{k - 1}__Name/Kubeconfig/Context=bench-1..{k}; args: watch --quiet");
            }

            var startedAt = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var env = new Dictionary<string, string>(shared, StringComparer.Ordinal)
                {
                    ["KSpan__Pipeline__Port"] = akkaPorts[i].ToString(Culture),
                    ["KSpan__Http__Port"] = httpPorts[i].ToString(Culture),
                };
                replicas.Add(Replica.Start(i, fileName, [.. prefix, "watch", "--quiet"], env, httpPorts[i], Path.Combine(dir.FullName, $"replica-{i + 1}.log")));
            }

            // Ready: every replica answers /readyz 200 (bounded).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var readyBy = Stopwatch.GetTimestamp();
            while (true)
            {
                if (replicas.FirstOrDefault(r => r.HasExited) is { } gone) return Fail(count, expected, $"replica {gone.Index + 1} exited ({gone.ExitCode}) before it was ready; see {gone.LogPath}", replicas, receiver);
                var ready = 0;
                foreach (var r in replicas) ready += await IsReadyAsync(http, r.HttpPort) ? 1 : 0;
                if (ready == count) break;
                if (Stopwatch.GetElapsedTime(readyBy) > TimeSpan.FromSeconds(120)) return Fail(count, expected, $"TIMEOUT: {ready} of {count} replicas answered /readyz 200 within 120 s", replicas, receiver);
                await Task.Delay(250);
            }
            var readySeconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;

            // Watchers in place: every fake cluster holds one watch per collection, and no watch request came for 11 s
            // (one sharding rebalance tick, 10 s, passed without moving a watcher). Bounded; a warning if not reached.
            var stableFrom = Stopwatch.GetTimestamp();
            var lastRequests = -1L;
            var settledBy = Stopwatch.GetTimestamp();
            var watchersSettled = false;
            while (Stopwatch.GetElapsedTime(settledBy) < TimeSpan.FromSeconds(90))
            {
                var requests = servers.Sum(s => s.WatchRequests);
                var complete = servers.All(s => s.ActiveWatches == FakeApiServer.CollectionCount);
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
                $"{count} process(es) ready in {readySeconds:N1} s (pids {string.Join(", ", replicas.Select(r => r.Pid))}); watchers {(watchersSettled ? "settled" : "NOT SETTLED after 90 s")}: {servers.Sum(s => s.ActiveWatches)} watches open on {k} fake clusters, {servers.Sum(s => s.WatchRequests)} watch requests so far; start-up CPU {string.Join(" + ", replicas.Select(r => r.CpuSeconds().ToString("N1", Culture)))} s; RSS {string.Join(" + ", replicas.Select(r => (r.RssBytes() / 1e6).ToString("N0", Culture)))} MB"));

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
                var got = receiver.DistinctEventSpans;
                var now = Stopwatch.GetTimestamp();
                if (got >= expected) break;
                if (got != last) (last, lastProgress, cpuAtLast) = (got, now, [.. replicas.Select(r => r.CpuSeconds())]);
                if (got > 0 && servers.All(s => s.ReaderDone.IsCompleted && s.Queued == 0) && Stopwatch.GetElapsedTime(lastProgress, now) > TimeSpan.FromSeconds(15))
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
                    failure = $"STALLED: {got:N0} of {expected:N0} event spans received, none for 30 s (fake clusters: {servers.Sum(s => s.LinesSent):N0} lines sent, {servers.Sum(s => s.Queued):N0} queued)";
                    break;
                }
                if (Stopwatch.GetElapsedTime(lastLine, now) >= TimeSpan.FromSeconds(2))
                {
                    var rate = (got - atLine) / Stopwatch.GetElapsedTime(lastLine, now).TotalSeconds;
                    (lastLine, atLine) = (now, got);
                    Console.WriteLine(string.Create(Culture,
                        $"  t={Stopwatch.GetElapsedTime(t0, now).TotalSeconds,5:N0}s event spans {got,10:N0} ({rate,8:N0}/s) lines sent {servers.Sum(s => s.LinesSent),10:N0} cpu {string.Join(" + ", replicas.Select((r, i) => (r.CpuSeconds() - cpu0[i]).ToString("N1", Culture)))} s"));
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

            // What each replica says it did (its /metrics), then the distribution of the work.
            var scraped = new List<IReadOnlyDictionary<string, double>>();
            foreach (var r in replicas) scraped.Add(await ScrapeAsync(http, r.HttpPort));
            double M(int i, string name) => scraped[i].TryGetValue(name, out var v) ? v : double.NaN;
            var result = new PassResult(count, expected, receiver.DistinctEventSpans, seconds, cpu, startupCpu, rss,
                [.. replicas.Select((_, i) => M(i, "kspan_events_received_total"))], receiver.Spans, receiver.EventSpans,
                scraped.Sum(s => s.GetValueOrDefault("kspan_spans_dropped_total")), failure is null);
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es): {result.EventSpans:N0} of {expected:N0} event occurrences exported in {seconds:N2} s = {result.EventsPerSecond:N0} events/s; replica CPU {cpu.Sum():N1} s ({string.Join(" + ", cpu.Select(c => c.ToString("N1", Culture)))}) = {cpu.Sum() / seconds:N2} cores, {result.CpuPerMillion:N1} CPU-s per million events; peak RSS {string.Join(" + ", rss.Select(b => (b / 1e6).ToString("N0", Culture)))} MB"));
            Console.WriteLine(string.Create(Culture,
                $"{count} process(es): events received per replica {string.Join(" + ", result.EventsPerReplica.Select(e => e.ToString("N0", Culture)))}; spans exported per replica {string.Join(" + ", replicas.Select((_, i) => M(i, "kspan_spans_exported_total").ToString("N0", Culture)))}, dropped {result.SpansDropped:N0}; receiver: {receiver.Spans:N0} spans in {receiver.Requests:N0} requests, distinct event spans per cluster {string.Join(" ", receiver.DistinctEventSpansByCluster.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(Culture, $"{kv.Key}={kv.Value:N0}")))}, {receiver.EventSpans - receiver.DistinctEventSpans:N0} event spans received twice; watch requests {servers.Sum(s => s.WatchRequests)}"));
            return result;
        }
        finally
        {
            release.TrySetResult();
            await StopAsync(count, replicas);
            foreach (var s in servers) await s.DisposeAsync();
        }
    }

    private static PassResult Fail(int count, long expected, string why, List<Replica> replicas, OtlpCountingReceiver receiver)
    {
        Console.WriteLine($"{count} process(es): FAILED: {why}");
        return new PassResult(count, expected, receiver.DistinctEventSpans, double.NaN, [.. replicas.Select(_ => double.NaN)], [.. replicas.Select(_ => double.NaN)],
            [.. replicas.Select(_ => 0L)], [.. replicas.Select(_ => double.NaN)], receiver.Spans, receiver.EventSpans, double.NaN, false);
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The replica's /metrics, unlabelled series and labelled ones summed by name.</summary>
    private static async Task<IReadOnlyDictionary<string, double>> ScrapeAsync(HttpClient http, int port)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        try
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            foreach (Match m in MetricLine().Matches(text))
            {
                if (double.TryParse(m.Groups["value"].Value, NumberStyles.Float, Culture, out var v))
                {
                    values[m.Groups["name"].Value] = values.GetValueOrDefault(m.Groups["name"].Value) + v;
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // a replica that does not answer has no figures
        }
        return values;
    }

    [GeneratedRegex(@"^(?<name>kspan_[a-z_]+)(\{[^}]*\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();

    /// <summary>SIGTERM, later replicas first and the seed last (as the in-process pass leaves), each bounded; SIGKILL after.</summary>
    private static async Task StopAsync(int count, List<Replica> replicas)
    {
        for (var i = replicas.Count - 1; i >= 0; i--)
        {
            var r = replicas[i];
            if (r.HasExited) continue;
            r.Terminate();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await r.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine($"replica {r.Index + 1} (pid {r.Pid}) did not stop within 30 s of SIGTERM: killed");
                r.Kill();
            }
        }
        ReportLogs(count, replicas);
        foreach (var r in replicas) r.Dispose();
    }

    /// <summary>Warnings and errors the replicas logged (their logs stay in the work directory).</summary>
    private static void ReportLogs(int count, List<Replica> replicas)
    {
        foreach (var r in replicas)
        {
            if (!File.Exists(r.LogPath)) continue;
            var lines = File.ReadAllLines(r.LogPath);
            var bad = lines.Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).ToList();
            Console.WriteLine(string.Create(Culture, $"{count} process(es), replica {r.Index + 1} log: {lines.Length} lines, {bad.Count} warnings/errors ({r.LogPath}); exit code {(r.HasExited ? r.ExitCode.ToString(Culture) : "?")}"));
            foreach (var l in bad.Take(4)) Console.WriteLine("    " + (l.Length > 240 ? l[..240] + "…" : l));
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return l;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
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

    /// <summary>One replica process: started through /bin/sh only to send its output to a file (exec: same pid).</summary>
    private sealed class Replica : IDisposable
    {
        private static readonly long ClockTicks = Math.Max(1, SysConf(2 /* _SC_CLK_TCK */));
        private readonly Process _process;

        private Replica(int index, Process process, int httpPort, string logPath)
        {
            Index = index;
            _process = process;
            HttpPort = httpPort;
            LogPath = logPath;
        }

        public int Index { get; }

        public int HttpPort { get; }

        public string LogPath { get; }

        public int Pid => _process.Id;

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public static Replica Start(int index, string fileName, string[] args, IReadOnlyDictionary<string, string> env, int httpPort, string logPath)
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            foreach (var a in new[] { "-c", "log=$1; shift; exec \"$@\" >\"$log\" 2>&1", "sh", logPath, fileName }) start.ArgumentList.Add(a);
            foreach (var a in args) start.ArgumentList.Add(a);
            // An operator's environment: nothing of the bench's own runtime tuning (its gen0 size, heap limit), no
            // inherited KSpan/OTEL settings; then ours.
            foreach (var key in start.Environment.Keys.ToList())
            {
                if (key.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || key.StartsWith("KSpan__", StringComparison.OrdinalIgnoreCase) ||
                    key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("DOTNET_gc", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(key);
                }
            }
            foreach (var (key, value) in env) start.Environment[key] = value;
            return new Replica(index, Process.Start(start)!, httpPort, logPath);
        }

        /// <summary>utime + stime of the process so far (its threads, not its children; it has none).</summary>
        public double CpuSeconds()
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12
                return (long.Parse(fields[11], Culture) + long.Parse(fields[12], Culture)) / (double)ClockTicks;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return double.NaN;
            }
        }

        public long RssBytes() => Status("VmRSS:");

        public long PeakRssBytes() => Status("VmHWM:");

        private long Status(string key)
        {
            try
            {
                var line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], Culture) * 1024;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }

        public void Terminate() => _ = Kill(Pid, 15 /* SIGTERM */);

        public void Kill() => _process.Kill();

        public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

        public void Dispose() => _process.Dispose();

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);

        [DllImport("libc", EntryPoint = "sysconf")]
        private static extern long SysConf(int name);
    }
}
