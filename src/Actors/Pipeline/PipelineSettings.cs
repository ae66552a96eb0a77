namespace KSpanActors.Pipeline;

/// <summary>How the actor pipeline behaves. Bound from the "KSpan:Pipeline" configuration section by the host.</summary>
internal sealed record PipelineSettings : ISettings
{
    /// <summary>
    /// A trace is exported once its top-level object has been quiet this long (KSpan__Pipeline__SettleAfter).
    /// Null: only on an explicit flush (replay, a finite demo), which exports everything at end of input.
    /// </summary>
    public TimeSpan? SettleAfter { get; init; }

    /// <summary>Idle ObjectActors stop after this long (KSpan__Pipeline__PassivateAfter); null keeps them until flush.</summary>
    public TimeSpan? PassivateAfter { get; init; }

    /// <summary>How long names (who created which pod, which object a uid-less event means) are kept after their last use (KSpan__Pipeline__NameRetention).</summary>
    public TimeSpan NameRetention { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Number of shards of the watchers, and of the objects when <see cref="Placement"/> is
    /// <see cref="ShardPlacement.Spread"/> (KSpan__Pipeline__Shards).
    /// </summary>
    public int Shards { get; init; } = 100;

    /// <summary>
    /// Where a cluster's object actors live among the replicas (KSpan__Pipeline__Placement). <see cref="ShardPlacement.Source"/>
    /// (default): on the replica that reads the cluster (its watcher), so a fact reaches its actor without crossing to
    /// another replica. <see cref="ShardPlacement.Spread"/>: every cluster's objects spread over all replicas (for one
    /// cluster larger than a replica can follow alone; two thirds of its facts then cross to another replica).
    /// </summary>
    public ShardPlacement Placement { get; init; } = ShardPlacement.Source;

    /// <summary>Shards per cluster with <see cref="ShardPlacement.Source"/> placement (KSpan__Pipeline__ShardsPerCluster).</summary>
    public int ShardsPerCluster { get; init; } = 10;

    /// <summary>Spans per export batch (KSpan__Pipeline__BatchSize).</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>A partial batch is exported after this long (KSpan__Pipeline__BatchInterval).</summary>
    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Spans held while exporters are slow or down; beyond it the oldest are dropped and counted (KSpan__Pipeline__MaxBufferedSpans).</summary>
    public int MaxBufferedSpans { get; init; } = 200_000;

    /// <summary>
    /// Facts and hand-offs in flight between the sources and the actors before a source waits (KSpan__Pipeline__MaxInFlight):
    /// a watch stream read faster than the actors keep up is read more slowly (the API server buffers), instead of
    /// growing mailboxes until the process runs out of memory.
    /// </summary>
    public long MaxInFlight { get; init; } = 20_000;

    /// <summary>Attempts per batch and exporter before the batch is dropped and counted (KSpan__Pipeline__ExportAttempts).</summary>
    public int ExportAttempts { get; init; } = 3;

    /// <summary>
    /// The final flush (end of a replay, shutdown) gives up on an exporter that took nothing for this long: what it
    /// still holds is dropped and counted (KSpan__Pipeline__FlushTimeout; the host uses OTEL_EXPORTER_OTLP_TIMEOUT
    /// when OTLP is configured). Coordinated shutdown waits this long, plus a little, for the flush.
    /// </summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Owner chains longer than this are treated as cycles (KSpan__Pipeline__MaxOwnerDepth).</summary>
    public int MaxOwnerDepth { get; init; } = 32;

    /// <summary>Remoting address of this node; port 0 picks a free port (KSpan__Pipeline__Hostname, KSpan__Pipeline__Port).</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    /// <summary>
    /// Address other replicas reach this node by (KSpan__Pipeline__PublicHostname), when it differs from the one it
    /// binds to (bind 0.0.0.0, advertise the pod's DNS name). Null: the same as Hostname.
    /// </summary>
    public string? PublicHostname { get; init; }

    /// <summary>Akka seed nodes ("akka.tcp://kspan@host:port"); empty: this node forms a one-node cluster by itself.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>
    /// Split-brain resolver: how long membership must be stable before an unreachable replica is downed
    /// (KSpan__Pipeline__SbrStableAfter). Failure detection (heartbeats every 0.5 s, <see cref="FailureDetectorPause"/>)
    /// plus this plus a 1 s removal margin bounds how soon a crashed replica's clusters are watched again elsewhere.
    /// </summary>
    public TimeSpan SbrStableAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a replica may miss heartbeats before the others think it unreachable (KSpan__Pipeline__FailureDetectorPause,
    /// Akka's acceptable-heartbeat-pause). Shorter notices a crash sooner; a replica stalled longer than this (a long GC
    /// pause, a starved CPU) is taken for dead and, after <see cref="SbrStableAfter"/>, downed.
    /// </summary>
    public TimeSpan FailureDetectorPause { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// Replicate which spans were exported across replicas (KSpan__Pipeline__ReplicateEmitted), so a replica's crash and
    /// the relist that follows never export a span twice. Default: on when seed nodes are configured (several replicas).
    /// </summary>
    public bool? ReplicateEmitted { get; init; }

    public bool ReplicatesEmitted => ReplicateEmitted ?? SeedNodes.Count > 0;

    /// <summary>k8s.cluster.uid per cluster name, when known.</summary>
    public IReadOnlyDictionary<string, string> ClusterUids { get; init; } = new Dictionary<string, string>();

    public IEnumerable<string> Validate()
    {
        if (SettleAfter is { } s && s <= TimeSpan.Zero) yield return "KSpan:Pipeline:SettleAfter must be positive";
        if (PassivateAfter is { } p && p <= TimeSpan.Zero) yield return "KSpan:Pipeline:PassivateAfter must be positive";
        if (NameRetention <= TimeSpan.Zero) yield return "KSpan:Pipeline:NameRetention must be positive";
        if (Shards < 1) yield return "KSpan:Pipeline:Shards must be at least 1";
        if (ShardsPerCluster < 1) yield return "KSpan:Pipeline:ShardsPerCluster must be at least 1";
        if (!Enum.IsDefined(Placement)) yield return "KSpan:Pipeline:Placement must be Source or Spread";
        if (BatchSize < 1) yield return "KSpan:Pipeline:BatchSize must be at least 1";
        if (BatchInterval <= TimeSpan.Zero) yield return "KSpan:Pipeline:BatchInterval must be positive";
        if (MaxBufferedSpans < BatchSize) yield return "KSpan:Pipeline:MaxBufferedSpans must be at least BatchSize";
        if (MaxInFlight < 1) yield return "KSpan:Pipeline:MaxInFlight must be at least 1";
        if (ExportAttempts < 1) yield return "KSpan:Pipeline:ExportAttempts must be at least 1";
        if (FlushTimeout <= TimeSpan.Zero) yield return "KSpan:Pipeline:FlushTimeout must be positive";
        if (MaxOwnerDepth < 2) yield return "KSpan:Pipeline:MaxOwnerDepth must be at least 2";
        if (Port is < 0 or > 65535) yield return "KSpan:Pipeline:Port must be 0-65535";
        if (SbrStableAfter < TimeSpan.FromSeconds(1)) yield return "KSpan:Pipeline:SbrStableAfter must be at least 00:00:01";
        if (FailureDetectorPause < TimeSpan.FromSeconds(1)) yield return "KSpan:Pipeline:FailureDetectorPause must be at least 00:00:01";
    }
}

/// <summary>Where a cluster's object actors live among the replicas (<see cref="PipelineSettings.Placement"/>).</summary>
internal enum ShardPlacement
{
    /// <summary>On the replica that reads the cluster: its shards are allocated where its facts come from (<see cref="SourcePlacement"/>).</summary>
    Source,

    /// <summary>Spread over every replica by a hash of the object's id (Akka's least-shard allocation).</summary>
    Spread,
}
