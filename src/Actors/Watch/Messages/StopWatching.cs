namespace KSpanActors.Watch;

/// <summary>Stop watching (shutdown): the watcher cancels its loops and stops.</summary>
internal sealed record StopWatching(string Cluster) : IWatcherMessage;
