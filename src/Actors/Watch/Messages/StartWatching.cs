namespace KSpanActors.Watch;

/// <summary>Make sure the cluster is watched (idempotent: every replica may send it).</summary>
internal sealed record StartWatching(string Cluster) : IWatcherMessage;
