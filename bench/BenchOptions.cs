namespace KSpanActors.Bench;

/// <summary>Command-line options (parsed by <see cref="BenchCli"/>); every one has a default, so a bare run measures the reference scenario.</summary>
internal sealed record BenchOptions
{
    /// <summary>pipeline (decoders feed one runtime), watch (the real watch path against a fake API server), replicas (1 vs 3 nodes).</summary>
    public string Mode { get; init; } = "pipeline";

    /// <summary>Storm mode: pods created in one burst, and how long the crash loop and small rollouts go on after it.</summary>
    public int StormPods { get; init; } = 10_000;

    public int StormTailSeconds { get; init; } = 5;

    /// <summary>Latency mode: events/s of the paced pass; 0 for half the capacity measured first.</summary>
    public long Rate { get; init; }

    /// <summary>Latency mode: events of the full-speed pass that measures the capacity (and warms up).</summary>
    public long CalibrationEvents { get; init; } = 200_000;

    /// <summary>Latency mode: how long the paced pass feeds (s), unless the input ends first.</summary>
    public int LatencySeconds { get; init; } = 30;

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

    /// <summary>Shards per cluster with Source placement.</summary>
    public int ShardsPerCluster { get; init; } = new KSpanActors.Pipeline.PipelineSettings().ShardsPerCluster;

    /// <summary>Where a cluster's object actors live among nodes (Source: the node its facts come from; Spread: all).</summary>
    public KSpanActors.Pipeline.ShardPlacement Placement { get; init; } = KSpanActors.Pipeline.ShardPlacement.Source;

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

    /// <summary>Pipeline and watch modes: documents fed through a separate, untimed pipeline first (JIT warm-up); 0 for none.</summary>
    public long WarmUpDocuments { get; init; } = 100_000;

    /// <summary>
    /// The documents of each warm-up round: <see cref="WarmUpDocuments"/>, then a quarter of them; none when it is 0. Two
    /// rounds because with tiered PGO a hot method goes from tier 0 to an instrumented tier 0 and reaches tier 1 only when
    /// it is called again after that (after one round, <c>--jit-log</c> found 740 hot methods still instrumented).
    /// </summary>
    public long[] WarmUpRounds => WarmUpDocuments > 0 ? [WarmUpDocuments, Math.Max(1, WarmUpDocuments / 4)] : [];

    /// <summary>After the drain, measure the live heap and keep the process up this long (for dotnet-gcdump).</summary>
    public int HoldMs { get; init; }

    /// <summary>Pipeline mode: print the N types that take the most allocated bytes (sampled by the runtime); 0 for none.</summary>
    public int AllocTypes { get; init; }

    public bool GcLog { get; init; }

    public bool JitLog { get; init; }

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
        Placement = Placement,
        ShardsPerCluster = ShardsPerCluster,
    };
}
