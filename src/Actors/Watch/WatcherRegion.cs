namespace KSpanActors.Watch;

/// <summary>Registry key of the watchers' shard region.</summary>
internal sealed class WatcherRegion;
