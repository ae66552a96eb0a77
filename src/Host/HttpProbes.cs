namespace KSpanActors.Host;

/// <summary>What the endpoints report, filled in by the command as it starts (before that: alive, not ready, no clusters).</summary>
internal sealed class HttpProbes
{
    /// <summary>The process and its actor system run (/healthz).</summary>
    public Func<bool> Alive { get; set; } = static () => true;

    /// <summary>Null when ready, else why not (/readyz).</summary>
    public Func<string?> NotReady { get; set; } = static () => "starting";

    /// <summary>Each cluster and whether it is ready: watch, its watches established (listed); demo, its generator running.</summary>
    public Func<IEnumerable<KeyValuePair<string, bool>>> Clusters { get; set; } = static () => [];

    /// <summary>The fleet summary of the traces this process exported (/summary); null: the command keeps none (404).</summary>
    public KSpanActors.Export.Summary.LiveFleetSummary? Summary { get; set; }
}
