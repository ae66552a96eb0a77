using System.Diagnostics;
using System.Globalization;
using System.Text;
using KSpanActors.Ingest;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Launch;
using Xunit.Abstractions;

namespace KSpanActors.Processes.Tests.Harness;

/// <summary>How a <see cref="KSpanFleet"/> is set up.</summary>
internal sealed record FleetOptions
{
    /// <summary>Replicas started by <see cref="KSpanFleet.StartAsync"/>.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Form an Akka cluster through seed nodes (the initial replicas' addresses, the first first). Null: when
    /// more than one replica. Off: each replica is a one-node cluster of its own, as a single deployment runs.</summary>
    public bool? Seeds { get; init; }

    /// <summary>One fake cluster per entry, holding that many copies of the recorded 2-pod rollout (held until streamed).</summary>
    public IReadOnlyList<int> ClusterCopies { get; init; } = [10];

    public TimeSpan SettleAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>KSpan__Pipeline__MaxInFlight; null: the binary's default.</summary>
    public long? MaxInFlight { get; init; }

    /// <summary>More environment variables for every replica.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long a replica may take to answer /readyz 200.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>One fake Kubernetes cluster: its API server (in the test process), its documents, and the occurrences expected from it.</summary>
internal sealed class FakeCluster(string name, FakeKubeApiServer server, IReadOnlyList<SourceDocument> documents)
{
    public string Name { get; } = name;

    public FakeKubeApiServer Server { get; } = server;

    public IReadOnlyList<SourceDocument> Documents { get; } = documents;

    public IReadOnlyList<OccurrenceKey> Expected { get; } = [.. SpanAudit.ExpectedFor(name, documents)];

    /// <summary>Tokens (replicas) with a watch open on this cluster now.</summary>
    public IReadOnlyList<string> Watchers => [.. Server.OpenWatchesByClient.Where(c => c.Value > 0).Select(c => c.Key).Order(StringComparer.Ordinal)];
}

/// <summary>One replica: a stable identity (token, ports, address) across incarnations (processes).</summary>
internal sealed class Replica(int index, int akkaPort, int httpPort)
{
    private readonly List<KSpanProcess> _incarnations = [];

    public int Index { get; } = index;

    /// <summary>Its bearer token towards every fake cluster: the fake servers' request logs tell the replicas apart.</summary>
    public string Token => $"replica-{Index}";

    public string Name => Token;

    public int AkkaPort { get; } = akkaPort;

    public int HttpPort { get; } = httpPort;

    public string Address => $"akka.tcp://kspan@127.0.0.1:{AkkaPort}";

    /// <summary>The current (latest) process.</summary>
    public KSpanProcess Process => _incarnations.Count > 0 ? _incarnations[^1] : throw new InvalidOperationException($"{Name} never started");

    public IReadOnlyList<KSpanProcess> Incarnations => _incarnations;

    public bool Running => _incarnations.Count > 0 && !Process.HasExited;

    internal void Started(KSpanProcess process) => _incarnations.Add(process);
}

/// <summary>
/// Real kspan-actors processes driven as an operator would: N <c>kspan-actors watch</c> replicas of the published binary,
/// configured only through environment variables (seed nodes, ports, clusters with kubeconfigs, OTEL_EXPORTER_OTLP_ENDPOINT,
/// settle period), each reaching every fake cluster (one <see cref="FakeKubeApiServer"/> per cluster, in the test process)
/// with its own bearer token, exporting over OTLP/gRPC to one <see cref="OtlpTestReceiver"/>. Every wait is bounded;
/// every process is killed on dispose. Logs: one file per replica under <see cref="WorkDir"/>.
/// </summary>
internal sealed class KSpanFleet : IAsyncDisposable
{
    private readonly FleetOptions _options;
    private readonly ITestOutputHelper? _output;
    private readonly List<Replica> _replicas = [];
    private readonly List<KSpanProcess> _others = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private IReadOnlyList<string> _seeds = [];

    private KSpanFleet(FleetOptions options, ITestOutputHelper? output, string binary, string workDir, OtlpTestReceiver receiver, IReadOnlyList<FakeCluster> clusters)
    {
        _options = options;
        _output = output;
        Binary = binary;
        WorkDir = workDir;
        Receiver = receiver;
        Clusters = clusters;
    }

    public string Binary { get; }

    public string WorkDir { get; }

    public OtlpTestReceiver Receiver { get; }

    public IReadOnlyList<FakeCluster> Clusters { get; }

    public IReadOnlyList<Replica> Replicas => _replicas;

    /// <summary>Every expected (cluster, event uid, count).</summary>
    public IReadOnlyList<OccurrenceKey> Expected => [.. Clusters.SelectMany(c => c.Expected)];

    /// <summary>Publishes (once per run) and starts the fake clusters, the receiver and the replicas, and waits until every replica is ready.</summary>
    public static async Task<KSpanFleet> StartAsync(FleetOptions options, ITestOutputHelper? output = null)
    {
        var fleet = await CreateAsync(options, output);
        try
        {
            var seeds = options.Seeds ?? options.Replicas > 1;
            var replicas = Enumerable.Range(0, options.Replicas).Select(_ => fleet.NewReplica()).ToList();
            fleet._seeds = seeds ? [.. replicas.Select(r => r.Address)] : [];
            foreach (var r in replicas) fleet.Launch(r);
            foreach (var r in replicas) await fleet.WaitReadyAsync(r.Index);
            fleet.Log($"{replicas.Count} replica(s) ready: {string.Join("; ", replicas.Select(r => $"{r.Name} pid {r.Process.Pid} akka {r.AkkaPort} http {r.HttpPort}"))}");
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>The fake clusters and the receiver, without replicas (for one-shot commands: <see cref="Run"/>).</summary>
    public static async Task<KSpanFleet> CreateAsync(FleetOptions options, ITestOutputHelper? output = null)
    {
        var binary = await PublishedBinary.PathAsync();
        var workDir = Path.Combine(Path.GetTempPath(), "kspan-fleet", $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..30]);
        Directory.CreateDirectory(workDir);
        var receiver = await OtlpTestReceiver.StartAsync();
        var clusters = new List<FakeCluster>();
        var copy = 1;
        for (var c = 0; c < options.ClusterCopies.Count; c++)
        {
            var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { ClusterUid = $"00000000-0000-4000-8000-{c + 1:D12}" });
            var documents = Rollouts.Copies(options.ClusterCopies[c], copy);
            copy += options.ClusterCopies[c];
            server.LoadDocuments(documents, hold: true);
            clusters.Add(new FakeCluster($"fake-{c + 1}", server, documents));
        }

        var fleet = new KSpanFleet(options, output, binary, workDir, receiver, clusters);
        fleet.Log($"binary {binary}; work folder {workDir}; receiver {receiver.GrpcEndpoint}; clusters: " +
                  string.Join(", ", clusters.Select(c => $"{c.Name} {c.Server.BaseAddress} ({c.Documents.Count:N0} documents, {c.Expected.Count:N0} Event occurrences)")));
        return fleet;
    }

    public void Log(string line)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}");
        try
        {
            _output?.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // no test is running any more (dispose after the test ended)
        }

        File.AppendAllText(Path.Combine(WorkDir, "fleet.log"), text + "\n");
    }

    // ---- replicas ------------------------------------------------------------------------------------------------

    private Replica NewReplica()
    {
        var replica = new Replica(_replicas.Count, KSpanHttp.FreePort(), KSpanHttp.FreePort());
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>The environment an operator would give replica <paramref name="r"/>: nothing else configures it.</summary>
    public Dictionary<string, string> EnvironmentFor(Replica r)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KSpan__Pipeline__Hostname"] = "127.0.0.1",
            ["KSpan__Pipeline__Port"] = r.AkkaPort.ToString(CultureInfo.InvariantCulture),
            ["KSpan__Pipeline__SettleAfter"] = _options.SettleAfter.ToString("c", CultureInfo.InvariantCulture),
            ["KSpan__Http__Address"] = "127.0.0.1",
            ["KSpan__Http__Port"] = r.HttpPort.ToString(CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.GrpcEndpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        };
        for (var i = 0; i < _seeds.Count; i++) env[$"KSpan__Pipeline__SeedNodes__{i}"] = _seeds[i];
        if (_options.MaxInFlight is { } m) env["KSpan__Pipeline__MaxInFlight"] = m.ToString(CultureInfo.InvariantCulture);
        var kubeDir = Path.Combine(WorkDir, r.Name, "kube");
        for (var c = 0; c < Clusters.Count; c++)
        {
            var cluster = Clusters[c];
            env[$"KSpan__Clusters__{c}__Name"] = cluster.Name;
            env[$"KSpan__Clusters__{c}__Kubeconfig"] = cluster.Server.WriteKubeconfig(kubeDir, cluster.Name, r.Token);
            env[$"KSpan__Clusters__{c}__Context"] = cluster.Name;
        }

        foreach (var (k, v) in _options.Environment) env[k] = v;
        return env;
    }

    private void Launch(Replica r)
    {
        var process = KSpanProcess.Start(r.Name, Binary, ["watch", "--quiet"], EnvironmentFor(r), Path.Combine(WorkDir, r.Name), Path.Combine(WorkDir, $"{r.Name}.log"));
        r.Started(process);
        Log($"started {r.Name} (incarnation {r.Incarnations.Count}, pid {process.Pid})");
    }

    /// <summary>Polls the replica's /readyz until 200 (bounded); fails with its answer and its log's tail.</summary>
    public async Task WaitReadyAsync(int index, TimeSpan? timeout = null)
    {
        var r = _replicas[index];
        await KSpanHttp.WaitReadyAsync(r.Process, r.HttpPort, timeout ?? _options.ReadyTimeout);
        Log($"{r.Name} ready after {(DateTime.UtcNow - r.Process.StartedAt).TotalSeconds:F1}s");
    }

    public void Kill9(int index)
    {
        _replicas[index].Process.Kill9();
        Log($"kill -9 {_replicas[index].Name}");
    }

    public void Terminate(int index)
    {
        _replicas[index].Process.Terminate();
        Log($"SIGTERM {_replicas[index].Name}");
    }

    public void Interrupt(int index)
    {
        _replicas[index].Process.Interrupt();
        Log($"SIGINT {_replicas[index].Name}");
    }

    /// <summary>Waits (bounded) for replica <paramref name="index"/>'s current process to exit: its exit code (null if it
    /// did not exit in time) and how long after the last signal it exited.</summary>
    public async Task<(int? ExitCode, TimeSpan? AfterSignal)> WaitForExitAsync(int index, TimeSpan timeout)
    {
        var p = _replicas[index].Process;
        var code = await p.WaitForExitAsync(timeout);
        Log(code is null
            ? $"{p.Name} still running {timeout.TotalSeconds:F0}s later"
            : $"{p.Name} exited with {code}{(p.ExitAfterSignal is { } t ? $" {t.TotalSeconds:F1}s after the signal" : "")}");
        return (code, p.ExitAfterSignal);
    }

    /// <summary>Starts a new process for replica <paramref name="index"/> (same token, ports and configuration; the last
    /// one must have exited) and waits until it is ready.</summary>
    public async Task RestartAsync(int index)
    {
        var r = _replicas[index];
        if (r.Running) throw new InvalidOperationException($"{r.Name} is still running (pid {r.Process.Pid}): stop it first");
        Launch(r);
        await WaitReadyAsync(index);
    }

    /// <summary>Starts one more replica (the fleet's seed nodes, new ports) and waits until it is ready.</summary>
    public async Task<Replica> AddAsync()
    {
        var r = NewReplica();
        Launch(r);
        await WaitReadyAsync(r.Index);
        return r;
    }

    /// <summary>Runs the binary once with <paramref name="args"/> and the receiver as OTLP endpoint unless
    /// <paramref name="environment"/> says otherwise (replay, demo...).</summary>
    public KSpanProcess Run(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.GrpcEndpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var process = KSpanProcess.Start(name, Binary, args, env, Path.Combine(WorkDir, name), Path.Combine(WorkDir, $"{name}.log"));
        _others.Add(process);
        Log($"started {name} (pid {process.Pid}): {string.Join(' ', args)}");
        return process;
    }

    // ---- the stream ----------------------------------------------------------------------------------------------

    /// <summary>Releases every cluster's held documents evenly over <paramref name="duration"/> (all at once for zero);
    /// completes when all are released.</summary>
    public async Task StreamAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var totals = Clusters.Select(c => c.Server.PendingDocuments).ToArray();
        var released = new int[Clusters.Count];
        var started = DateTime.UtcNow;
        Log($"stream started: {totals.Sum():N0} documents over {duration.TotalSeconds:F0}s");
        while (true)
        {
            var done = true;
            var fraction = duration <= TimeSpan.Zero ? 1 : Math.Min(1, (DateTime.UtcNow - started) / duration);
            for (var c = 0; c < Clusters.Count; c++)
            {
                var due = (int)(totals[c] * fraction);
                if (due > released[c]) released[c] += Clusters[c].Server.ReleaseNext(due - released[c]);
                done &= released[c] >= totals[c];
            }

            if (done) break;
            await Task.Delay(100, cancellationToken);
        }

        Log($"stream ended: every document released");
    }

    /// <summary>Documents not released yet, all clusters.</summary>
    public int PendingDocuments => Clusters.Sum(c => c.Server.PendingDocuments);

    // ---- spans -----------------------------------------------------------------------------------------------------

    public SpanAudit Audit() => SpanAudit.Of(Receiver.Requests, Expected);

    /// <summary>
    /// Waits until every expected occurrence arrived, every trace is whole and no span arrived for <paramref name="quiet"/>
    /// (late duplicates show up); gives up at <paramref name="timeout"/>, or earlier when nothing moved for
    /// <paramref name="noProgress"/>: no span received, no document released, no watch event written, no Event read by a replica. Returns the audit either way.
    /// </summary>
    public async Task<SpanAudit> WaitForSpansAsync(TimeSpan timeout, TimeSpan? noProgress = null, TimeSpan? quiet = null)
    {
        var stuckAfter = noProgress ?? TimeSpan.FromSeconds(25);
        var quietFor = quiet ?? TimeSpan.FromSeconds(3);
        var deadline = DateTime.UtcNow + timeout;
        var lastChange = DateTime.UtcNow;
        var state = await ProgressStateAsync();
        while (true)
        {
            await Task.Delay(500);
            var now = await ProgressStateAsync();
            if (now != state)
            {
                state = now;
                lastChange = DateTime.UtcNow;
            }

            var audit = Audit();
            var idle = DateTime.UtcNow - lastChange;
            if (audit.Complete && audit.TreesWhole && idle >= quietFor)
            {
                Log("all spans arrived: " + audit.Summary());
                return audit;
            }

            if (idle >= stuckAfter || DateTime.UtcNow > deadline)
            {
                Log((idle >= stuckAfter ? $"nothing moved for {idle.TotalSeconds:F0}s: " : $"gave up after {timeout.TotalSeconds:F0}s: ") + audit.Summary());
                return audit;
            }
        }
    }

    private async Task<(int Spans, int Pending, int Backlog, long Read)> ProgressStateAsync()
    {
        long read = 0;
        foreach (var r in _replicas) read += await EventsReadAsync(r) ?? 0;
        return (Receiver.SpanCount, PendingDocuments, Clusters.Sum(c => c.Server.WatchBacklog), read);
    }

    // ---- diagnosis -------------------------------------------------------------------------------------------------

    /// <summary>Who watches what, what is stuck where, and each process's log tail: for assertion messages.</summary>
    public string Diagnosis(int logLines = 15)
    {
        var text = new StringBuilder();
        foreach (var c in Clusters)
        {
            var watches = c.Server.OpenWatchesByClient;
            text.Append(CultureInfo.InvariantCulture,
                $"{c.Name}: {c.Server.PendingDocuments:N0} documents not released, {c.Server.WatchBacklog:N0} watch events queued unread, open watches {(watches.Count == 0 ? "none" : string.Join(", ", watches.Select(w => $"{w.Key}={w.Value}")))}\n");
        }

        foreach (var r in _replicas)
        {
            var p = r.Process;
            text.Append(CultureInfo.InvariantCulture, $"{r.Name}: {(p.HasExited ? $"exited with {p.ExitCode}" : $"running (pid {p.Pid})")}\n{p.LogTail(logLines)}\n");
        }

        foreach (var p in _others) text.Append(CultureInfo.InvariantCulture, $"{p.Name}: {(p.HasExited ? $"exited with {p.ExitCode}" : "running")}\n{p.LogTail(logLines)}\n");
        text.Append(CultureInfo.InvariantCulture, $"work folder (logs, kubeconfigs): {WorkDir}");
        return text.ToString();
    }

    /// <summary>Event occurrences replica <paramref name="r"/> read so far (its /metrics kspan_events_received_total), or null when it does not answer.</summary>
    public static async Task<long?> EventsReadAsync(Replica r)
    {
        if (!r.Running) return null;
        var metrics = await KSpanHttp.MetricsAsync(r.HttpPort);
        return metrics is null ? null : (long)metrics.GetValueOrDefault("kspan_events_received_total");
    }

    /// <summary>For each cluster: which replica watches it and how many Events it read of those released, from the fake
    /// servers' open watches (by token) and the replicas' /metrics.</summary>
    public async Task<string> ReadingReportAsync()
    {
        var parts = new List<string>();
        foreach (var c in Clusters)
        {
            var released = c.Documents.Count(d => d.Kind == "Event") - c.Documents.Skip(c.Documents.Count - c.Server.PendingDocuments).Count(d => d.Kind == "Event");
            foreach (var token in c.Watchers)
            {
                var replica = _replicas.FirstOrDefault(r => r.Token == token);
                var read = replica is null ? null : await EventsReadAsync(replica);
                var stopped = read is { } n && n < released ? " and stopped reading" : "";
                parts.Add($"the watching replica {token} read {read?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} of the {released:N0} Events {c.Name} released{stopped}");
            }

            if (c.Watchers.Count == 0) parts.Add($"nobody watches {c.Name}");
        }

        return string.Join("; ", parts);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _replicas.SelectMany(r => r.Incarnations).Concat(_others)) p.Dispose();
        foreach (var c in Clusters) await c.Server.DisposeAsync();
        await Receiver.DisposeAsync();
        Log($"disposed; logs kept in {WorkDir}");
    }
}
