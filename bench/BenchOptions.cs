using System.Globalization;

namespace KSpanActors.Bench;

/// <summary>Command-line options; every one has a default, so a bare run measures the reference scenario.</summary>
internal sealed record BenchOptions
{
    /// <summary>pipeline (decoders feed one runtime), watch (the real watch path against a fake API server), replicas (1 vs 3 nodes).</summary>
    public string Mode { get; init; } = "pipeline";

    /// <summary>Storm mode: pods created in one burst, and how long the crash loop and small rollouts go on after it.</summary>
    public int StormPods { get; init; } = 10_000;

    public int StormTailSeconds { get; init; } = 5;

    public long Events { get; init; } = 1_000_000;

    public long Objects { get; init; } = 100_000;

    /// <summary>Settle period (wall clock): a quiet top-level object exports its traces and forgets emitted events.</summary>
    public int SettleMs { get; init; } = 500;

    /// <summary>Idle ObjectActors and NameIndexes stop after this long, so memory follows live objects.</summary>
    public int PassivateMs { get; init; } = 3_000;

    public int BatchSize { get; init; } = 2_048;

    /// <summary>
    /// How long names and routes are kept after their last use. The service keeps them 2 hours; the benchmark compresses
    /// hours of a fleet into seconds (settle 500 ms, passivation 3 s), so it scales this down the same way: otherwise the
    /// name index would hold every object of the run, history rather than live objects.
    /// </summary>
    public int NameRetentionSeconds { get; init; } = 10;

    public int Shards { get; init; } = 100;

    /// <summary>Threads decoding and feeding concurrently (as watch loops do, one per resource).</summary>
    public int Decoders { get; init; } = 2;

    /// <summary>
    /// Tracked messages in flight before the decoders wait. Small on purpose: a message that waits in a mailbox longer
    /// than a gen0 collection survives it and is copied (twice, to gen2): queueing costs garbage-collection time.
    /// </summary>
    public long MaxInFlight { get; init; } = 4_000;

    /// <summary>Batches (~300 documents in one pooled slab each) buffered between the producer thread and the decoders.</summary>
    public int ChannelCapacity { get; init; } = 4;

    /// <summary>Event decodes in the decode-only pass.</summary>
    public int DecodeSample { get; init; } = 200_000;

    /// <summary>Distinct event documents kept for the decode-only pass (decoded round-robin up to <see cref="DecodeSample"/>).</summary>
    public int DecodeDistinct { get; init; } = 25_000;

    /// <summary>Rewrite the input file even when it is current.</summary>
    public bool Regenerate { get; init; }

    /// <summary>When the input file is reused, events generated (not stored) to measure the generator alone.</summary>
    public long GeneratorSample { get; init; } = 100_000;

    /// <summary>Pipeline mode: documents fed through a separate, untimed pipeline first (JIT warm-up); 0 for none.</summary>
    public long WarmUpDocuments { get; init; } = 100_000;

    /// <summary>After the drain, measure the live heap and keep the process up this long (for dotnet-gcdump).</summary>
    public int HoldMs { get; init; }

    /// <summary>Watch mode: watch lines written before a flush (also flushed whenever a kind's queue is momentarily empty).</summary>
    public int FlushLines { get; init; } = 256;

    /// <summary>Watch mode: documents queued per kind between the file reader and that kind's watch response.</summary>
    public int KindChannel { get; init; } = 4_096;

    /// <summary>Watch and replicas modes: longest wait for a pass (events to arrive, drain), in seconds.</summary>
    public int TimeoutSeconds { get; init; } = 900;

    /// <summary>Replicas mode: a published kspan-actors (the executable, or kspan-actors.dll run through dotnet) instead of publishing src/Host.</summary>
    public string? KspanBin { get; init; }

    /// <summary>Replicas mode: only the separate-processes pass (skip the in-process passes).</summary>
    public bool ReplicaProcessesOnly { get; init; }

    /// <summary>Replicas mode: only the in-process passes (skip the separate-processes pass).</summary>
    public bool SkipReplicaProcesses { get; init; }

    /// <summary>Replicas mode, processes pass: events over all fake clusters (each serves an equal share).</summary>
    public long ProcessEvents { get; init; } = 600_000;

    /// <summary>Replicas mode, processes pass: fake clusters (one fake API server each), spread over the replicas' watchers.</summary>
    public int ProcessClusters { get; init; } = 6;

    /// <summary>Replicas mode, processes pass: extra environment variables for every replica (KEY=VALUE, repeatable).</summary>
    public IReadOnlyList<string> ReplicaEnv { get; init; } = [];

    /// <summary>The streaming pipeline settings every mode measures with (settle, passivate, batch, buffer, shards).</summary>
    public KSpanActors.Pipeline.PipelineSettings PipelineSettings() => new()
    {
        SettleAfter = TimeSpan.FromMilliseconds(SettleMs),
        PassivateAfter = TimeSpan.FromMilliseconds(PassivateMs),
        BatchSize = BatchSize,
        NameRetention = TimeSpan.FromSeconds(NameRetentionSeconds),
        MaxInFlight = MaxInFlight,
        MaxBufferedSpans = Math.Max(200_000, BatchSize * 8),
        Shards = Shards,
    };

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        bool eventsGiven = false, objectsGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            eventsGiven |= name == "--events";
            objectsGiven |= name == "--objects";
            long Long() => long.Parse(Value(), NumberStyles.AllowThousands | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            o = name switch
            {
                "--mode" => o with { Mode = Value() },
                "--storm-pods" => o with { StormPods = checked((int)Long()) },
                "--storm-tail-s" => o with { StormTailSeconds = checked((int)Long()) },
                "--events" => o with { Events = Long() },
                "--objects" => o with { Objects = Long() },
                "--settle-ms" => o with { SettleMs = checked((int)Long()) },
                "--passivate-ms" => o with { PassivateMs = checked((int)Long()) },
                "--batch" => o with { BatchSize = checked((int)Long()) },
                "--name-retention-s" => o with { NameRetentionSeconds = checked((int)Long()) },
                "--shards" => o with { Shards = checked((int)Long()) },
                "--decoders" => o with { Decoders = checked((int)Long()) },
                "--max-in-flight" => o with { MaxInFlight = Long() },
                "--channel" => o with { ChannelCapacity = checked((int)Long()) },
                "--decode-sample" => o with { DecodeSample = checked((int)Long()) },
                "--decode-distinct" => o with { DecodeDistinct = checked((int)Long()) },
                "--hold-ms" => o with { HoldMs = checked((int)Long()) },
                "--warm-up-docs" => o with { WarmUpDocuments = Long() },
                "--regenerate" => o with { Regenerate = true },
                "--generator-sample" => o with { GeneratorSample = Long() },
                "--flush-lines" => o with { FlushLines = checked((int)Long()) },
                "--kind-channel" => o with { KindChannel = checked((int)Long()) },
                "--timeout-s" => o with { TimeoutSeconds = checked((int)Long()) },
                "--kspan-bin" => o with { KspanBin = Value() },
                "--replica-processes-only" => o with { ReplicaProcessesOnly = true },
                "--skip-replica-processes" => o with { SkipReplicaProcesses = true },
                "--process-events" => o with { ProcessEvents = Long() },
                "--process-clusters" => o with { ProcessClusters = checked((int)Long()) },
                "--replica-env" => o with { ReplicaEnv = [.. o.ReplicaEnv, Value()] },
                _ => throw new ArgumentException($"unknown option {name}; known: --mode pipeline|watch|replicas|storm|soak|encode --events --objects --settle-ms --passivate-ms --name-retention-s --batch --shards --max-in-flight --channel --decode-sample --decode-distinct --regenerate --generator-sample --warm-up-docs --hold-ms --flush-lines --kind-channel --timeout-s; replicas mode: --kspan-bin PATH --replica-processes-only --skip-replica-processes --process-events --process-clusters --replica-env KEY=VALUE"),
            };
        }
        if (o.Mode is not ("pipeline" or "watch" or "replicas" or "storm" or "soak" or "encode")) throw new ArgumentException($"--mode {o.Mode}: expected pipeline, watch, replicas, storm, soak or encode");
        // Replicas mode runs the pipeline twice (1 node, then 3): a smaller default scale keeps the whole run short.
        if (o.Mode == "soak")
        {
            if (!eventsGiven) o = o with { Events = 10_000_000 };
            if (!objectsGiven) o = o with { Objects = 100_000 };
        }
        if (o.Mode == "replicas")
        {
            if (!eventsGiven) o = o with { Events = 300_000 };
            if (!objectsGiven) o = o with { Objects = 30_000 };
        }
        if (o.ReplicaProcessesOnly && o.SkipReplicaProcesses) throw new ArgumentException("--replica-processes-only and --skip-replica-processes exclude each other");
        if (o.ProcessClusters < 1 || o.ProcessEvents < o.ProcessClusters) throw new ArgumentException("--process-clusters must be at least 1 and --process-events at least that");
        if (o.ReplicaEnv.FirstOrDefault(e => e.IndexOf('=', StringComparison.Ordinal) < 1) is { } bad) throw new ArgumentException($"--replica-env {bad}: expected KEY=VALUE");
        if (o.FlushLines < 1 || o.KindChannel < 1 || o.TimeoutSeconds < 1) throw new ArgumentException("--flush-lines, --kind-channel and --timeout-s must be at least 1");
        return o;
    }
}
