using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Watch;

/// <summary>
/// One per cluster, a sharded entity: lists then watches Events (events.k8s.io/v1 where served, core/v1 otherwise)
/// and the objects the trace model needs, each resource in its own <see cref="ResourceWatchLoop"/> running as
/// background work, and routes what they read into the ObjectActors. Reads kube-system's uid for k8s.cluster.uid.
/// If its connection cannot be built or its loops end, it retries with backoff.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Actors release resources in PostStop.")]
internal sealed class ClusterWatcher : UntypedActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly PipelineServices _pipeline;
    private readonly IActorRegistry _registry;
    private readonly WatchCatalog _catalog;
    private readonly string _cluster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Backoff _backoff;
    private ClusterConnection? _connection;
    private CancellationTokenSource? _cts;
    private bool _stopping;
    private bool _relistNow;
    private bool _relisting;

    public ClusterWatcher(string cluster, PipelineServices ctx, IActorRegistry registry)
    {
        _cluster = cluster;
        _pipeline = ctx;
        _registry = registry;
        _catalog = ctx.Watch ?? throw new InvalidOperationException("no clusters configured");
        _backoff = new Backoff(_catalog.Settings.BackoffMin, _catalog.Settings.BackoffMax);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string cluster, PipelineServices ctx, IActorRegistry registry) =>
        Akka.Actor.Props.Create(() => new ClusterWatcher(cluster, ctx, registry));

    protected override void PreStart()
    {
        Self.Tell(new StartWatching(_cluster));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartWatching:
                if (_cts is null && !_stopping) Start();
                break;
            case StopWatching:
                _stopping = true;
                _cts?.Cancel();
                Context.Stop(Self);
                break;
            case Akka.Cluster.ClusterEvent.MemberRemoved removed when !_stopping:
                // A replica is gone, and with it whatever its ObjectActors held: relist everything, so their successors
                // rebuild those families (spans exported already are not exported again: see EmittedLedger). Not at once:
                // until this replica's shard regions have noticed that the removed replica's regions are gone, a fact for
                // one of its shards still goes to the dead address and is lost (seen with kill -9: 60 of 1,440 Events).
                _log.Info("Cluster {0}: replica {1} left; relisting in {2} so that what it held is rebuilt", _cluster, removed.Member.Address, RelistAfterRemoval);
                Timers.StartSingleTimer(RelistTimer, RelistAfterRemovalTick.Instance, RelistAfterRemoval);
                break;
            case RelistAfterRemovalTick when _cts is not null && !_stopping:
                _relistNow = true;
                _cts.Cancel();
                break;
            case RelistAfterRemovalTick:
                break;
            case Akka.Cluster.ClusterEvent.CurrentClusterState or Akka.Cluster.ClusterEvent.MemberRemoved:
                break;
            case LoopsEnded ended:
                _cts = null;
                if (_stopping) break;
                if (_relistNow)
                {
                    _relistNow = false;
                    _relisting = true;
                    Start();
                    break;
                }
                _log.Warning("Cluster {0}: watching stopped ({1}); restarting", _cluster, ended.Reason);
                ScheduleRetry();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start()
    {
        var source = _catalog.Find(_cluster);
        if (source is null)
        {
            _log.Error("Cluster {0} is not configured on this replica; not watched here", _cluster);
            return;
        }
        var firstStart = _connection is null;
        try
        {
            _connection ??= new ClusterConnection(source);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            _log.Error("Cluster {0}: cannot connect: {1}", _cluster, e.Message);
            ScheduleRetry();
            return;
        }
        _backoff.Reset();
        // A watcher new on this replica (or relisting after another left) passes on everything it lists; a retry after a
        // failure keeps its memory, so what was passed on is not passed again.
        if (firstStart || _relisting) _catalog.ResetOccurrences(_cluster);
        _relisting = false;
        _cts = new CancellationTokenSource();
        var connection = _connection;
        var ct = _cts.Token;
        var self = Self;
        _catalog.Status.Expect(_cluster);
        Task.Run(() => RunAsync(connection, ct), ct).ContinueWith(
            t => new LoopsEnded(t.IsFaulted ? t.Exception!.GetBaseException().Message : t.IsCanceled ? "cancelled" : "all loops ended"),
            TaskScheduler.Default).PipeTo(self);
        _log.Info("Cluster {0}: watching {1}", _cluster, connection.Server);
    }

    private void ScheduleRetry() => Timers.StartSingleTimer(RetryTimer, new StartWatching(_cluster), _backoff.Next());

    private async Task RunAsync(ClusterConnection connection, CancellationToken ct)
    {
        var log = _catalog.Loggers.CreateLogger("KSpanActors.Watch");
        var settings = _catalog.Settings;
        await ReadClusterUidAsync(connection, log, ct).ConfigureAwait(false);
        var events = await ServesAsync(connection, "apis/events.k8s.io/v1", ct).ConfigureAwait(false) ? WatchedResource.EventsV1 : WatchedResource.CoreEvents;
        var resources = new List<WatchedResource> { events };
        resources.AddRange(WatchedResource.Objects);
        foreach (var extra in settings.Resources)
        {
            if (WatchedResource.TryParse(extra, out var r, out _)) resources.Add(r!);
        }
        IReadOnlyList<string?> namespaces = settings.Namespaces.Count == 0 ? [null] : [.. settings.Namespaces];

        var router = new FactRouter(_pipeline, _registry.Get<ObjectRegion>(), _registry.Get<NameRegion>());
        var loops = new List<Task>();
        var failures = new WatchFailureLog(_cluster, log);
        foreach (var resource in resources)
        {
            foreach (var ns in namespaces)
            {
                _catalog.Status.Watching(_cluster, resource.ToString() + (ns is null ? "" : " " + ns));
                // A sink per loop: each batches what it reads (a rollout's events go to one actor together) until it waits.
                var batch = router.Batcher();
                var sink = new PipelineWatchSink(batch.Add, _pipeline.Tracker, _pipeline.Settings.MaxInFlight, _pipeline.Metrics, _catalog.Occurrences(_cluster), settings, _catalog.Status, log, batch.Flush);
                var loop = new ResourceWatchLoop(_cluster, resource, ns, settings.LabelSelector, settings, () => connection.Api, connection.Refresh, sink, log, failures);
                loops.Add(loop.RunAsync(ct));
            }
        }
        log.LogInformation("Cluster {Cluster}: watching {Resources} resources ({Events}) in {Namespaces}",
            _cluster, resources.Count, events, settings.Namespaces.Count == 0 ? "all namespaces" : string.Join(",", settings.Namespaces));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task ReadClusterUidAsync(ClusterConnection connection, ILogger log, CancellationToken ct)
    {
        try
        {
            using var response = await connection.Api.GetAsync("api/v1/namespaces/kube-system", ct).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            using var doc = System.Text.Json.JsonDocument.Parse(bytes);
            if (doc.RootElement.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("uid", out var uid) && uid.GetString() is { Length: > 0 } value)
            {
                _pipeline.ClusterUids[_cluster] = value;
            }
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            log.LogInformation("Cluster {Cluster}: k8s.cluster.uid unknown (kube-system not readable: {Error})", _cluster, e.Message);
        }
    }

    private static async Task<bool> ServesAsync(ClusterConnection connection, string path, CancellationToken ct)
    {
        try
        {
            using var response = await connection.Api.GetAsync(path, ct).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _cts?.Cancel();
        _cts?.Dispose();
        _connection?.Dispose();
    }

    private sealed record LoopsEnded(string Reason);

    private const string RelistTimer = "relist-after-removal";

    /// <summary>How long after a replica's removal the relist waits: the regions' routing catches up meanwhile.</summary>
    internal static readonly TimeSpan RelistAfterRemoval = Pipeline.FleetHealth.RoutingDelay;

    private sealed class RelistAfterRemovalTick
    {
        public static readonly RelistAfterRemovalTick Instance = new();
    }
}
