using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using KSpanActors.Model;

namespace KSpanActors.Tracing;

/// <summary>
/// The one place where spans describing Kubernetes are built: names, resources, attributes and status,
/// with explicit times and the deterministic ids chosen by <see cref="TraceAssembler"/>.
/// </summary>
internal static class SpanFactory
{
    private const int MaxCachedResources = 4096;

    /// <summary>
    /// Longest event message kept in a span (attribute and status description). Kubernetes itself caps messages at
    /// 1 KiB; a longer one is hostile input, and one huge attribute can make a backend refuse a whole batch.
    /// </summary>
    public const int MaxMessageChars = 8 * 1024;
    private static readonly ConcurrentDictionary<(string Service, string? Instance, string Cluster, string? ClusterUid), SpanResource> Resources = new();
    private static readonly ConcurrentDictionary<(string Kind, string Reason), string> Names = new();

    /// <summary>"Kind.Reason", shared: a few hundred distinct names cover a fleet.</summary>
    private static string SpanName(string kind, string reason)
    {
        if (Names.TryGetValue((kind, reason), out var name)) return name;
        if (Names.Count >= MaxCachedResources) Names.Clear();
        return Names.GetOrAdd((kind, reason), k => string.Concat(k.Kind, ".", k.Reason));
    }

    public static SpanRecord EventSpan(string cluster, string? clusterUid, EventObserved e, TraceId trace, SpanId id, SpanId parent, long startNs, long endNs) =>
        new(
            trace, id, parent, SpanName(e.Kind, e.Reason),
            startNs, Math.Max(startNs, endNs),
            e.Warning ? SpanStatus.Error : SpanStatus.Unset,
            e.Warning ? Bounded(e.Message) : null,
            Resource(e.Service, e.Instance, cluster, clusterUid),
            SpanAttributes.Of(e));

    /// <summary>
    /// The attributes of an event span, one at a time in their order (<see cref="SpanAttributes"/> reads them from the
    /// occurrence as an exporter enumerates them): k8s.event.uid, reason, count, message, the namespace, the object (its
    /// kind's keys), the container and the node it was scheduled to. <paramref name="step"/> starts at -1.
    /// </summary>
    internal static bool NextEventAttribute(EventObserved e, ref int step, out SpanAttribute attribute)
    {
        while (true)
        {
            switch (++step)
            {
                case 0:
                    attribute = SpanAttribute.OfEventUid("k8s.event.uid", e);
                    return true;
                case 1:
                    attribute = SpanAttribute.Of("k8s.event.reason", e.Reason);
                    return true;
                case 2:
                    attribute = SpanAttribute.Of("k8s.event.count", e.Count);
                    return true;
                case 3:
                    if (string.IsNullOrEmpty(e.Message)) continue;
                    attribute = SpanAttribute.Of("k8s.event.message", Bounded(e.Message));
                    return true;
                case 4:
                    if (string.IsNullOrEmpty(e.Namespace)) continue;
                    attribute = SpanAttribute.Of("k8s.namespace.name", e.Namespace);
                    return true;
                case 5:
                    if (KeysOf(e.Kind).Kind is not { } kindKey) continue;
                    attribute = SpanAttribute.Of(kindKey, e.Kind);
                    return true;
                case 6:
                    attribute = SpanAttribute.Of(KeysOf(e.Kind).Name, e.Name);
                    return true;
                case 7:
                    if (e.ObjectUid is null) continue;
                    attribute = SpanAttribute.Of(KeysOf(e.Kind).Uid, e.ObjectUid);
                    return true;
                case 8:
                    if (EventMessages.ContainerName(e.FieldPath) is not { } container) continue;
                    attribute = SpanAttribute.Of("k8s.container.name", container);
                    return true;
                case 9:
                    if (EventMessages.ScheduledNode(e.Reason, e.Message) is not { } node) continue;
                    attribute = SpanAttribute.Of("k8s.node.name", node);
                    return true;
                default:
                    step = 10;
                    attribute = default;
                    return false;
            }
        }
    }

    public static SpanRecord RootSpan(string cluster, string? clusterUid, TraceFamily family, GenerationStart change, TraceId trace, SpanId id, long startNs, long endNs)
    {
        var top = family.Top;
        var operation = change.Operation ?? (change.Generation <= 1 ? "Create" : "Update");
        var attrs = new Attributes(5);
        if (!string.IsNullOrEmpty(top.Namespace)) attrs.Add(SpanAttribute.Of("k8s.namespace.name", top.Namespace));
        AddObjectAttributes(ref attrs, top.Kind, top.Name, family.TopUid.StartsWith('~') ? null : family.TopUid);
        if (change.Generation > 0) attrs.Add(SpanAttribute.Of("k8s.object.generation", change.Generation));
        return new SpanRecord(
            trace, id, SpanId.None, string.Concat(top.Kind, ".", operation),
            startNs, Math.Max(startNs, endNs), SpanStatus.Unset, null,
            Resource(change.Manager ?? "unknown", null, cluster, clusterUid),
            attrs.ToImmutable());
    }

    /// <summary>A message cut to <see cref="MaxMessageChars"/> (never inside a surrogate pair), saying how much was cut.</summary>
    internal static string Bounded(string message)
    {
        if (message.Length <= MaxMessageChars) return message;
        var keep = char.IsHighSurrogate(message[MaxMessageChars - 1]) ? MaxMessageChars - 1 : MaxMessageChars;
        return string.Concat(message.AsSpan(0, keep), $"… ({message.Length - keep} more characters)");
    }

    /// <summary>The attribute keys naming an object of a kind: its semantic-convention pair, or k8s.object.* (one set of constants per kind, no string built per span).</summary>
    private sealed record ObjectKeys(string? Kind, string Name, string Uid);

    private static readonly ObjectKeys Generic = new("k8s.object.kind", "k8s.object.name", "k8s.object.uid");

    /// <summary>The semantic-convention keys of a kind (k8s.pod.name, k8s.deployment.uid...), <see cref="Generic"/> for kinds without them.</summary>
    private static ObjectKeys KeysOf(string kind) => kind switch
    {
        "Pod" => PodKeys,
        "ReplicaSet" => ReplicaSetKeys,
        "Deployment" => DeploymentKeys,
        "StatefulSet" => StatefulSetKeys,
        "DaemonSet" => DaemonSetKeys,
        "Job" => JobKeys,
        "CronJob" => CronJobKeys,
        "Node" => NodeKeys,
        _ => Generic,
    };

    private static readonly ObjectKeys PodKeys = new(null, "k8s.pod.name", "k8s.pod.uid");
    private static readonly ObjectKeys ReplicaSetKeys = new(null, "k8s.replicaset.name", "k8s.replicaset.uid");
    private static readonly ObjectKeys DeploymentKeys = new(null, "k8s.deployment.name", "k8s.deployment.uid");
    private static readonly ObjectKeys StatefulSetKeys = new(null, "k8s.statefulset.name", "k8s.statefulset.uid");
    private static readonly ObjectKeys DaemonSetKeys = new(null, "k8s.daemonset.name", "k8s.daemonset.uid");
    private static readonly ObjectKeys JobKeys = new(null, "k8s.job.name", "k8s.job.uid");
    private static readonly ObjectKeys CronJobKeys = new(null, "k8s.cronjob.name", "k8s.cronjob.uid");
    private static readonly ObjectKeys NodeKeys = new(null, "k8s.node.name", "k8s.node.uid");

    /// <summary>A span's attributes, filled into one array sized up front.</summary>
    private struct Attributes(int capacity)
    {
        private readonly SpanAttribute[] _items = new SpanAttribute[capacity];
        private int _count;

        public void Add(SpanAttribute attribute) => _items[_count++] = attribute;

        /// <summary>The array itself when full (handed over, never written again), else a copy of what was added.</summary>
        public readonly ImmutableArray<SpanAttribute> ToImmutable() =>
            _count == _items.Length ? ImmutableCollectionsMarshal.AsImmutableArray(_items) : ImmutableArray.Create(_items, 0, _count);
    }

    private static void AddObjectAttributes(ref Attributes attrs, string kind, string name, string? uid)
    {
        var keys = KeysOf(kind);
        if (keys.Kind is not null) attrs.Add(SpanAttribute.Of(keys.Kind, kind));
        attrs.Add(SpanAttribute.Of(keys.Name, name));
        if (uid is not null) attrs.Add(SpanAttribute.Of(keys.Uid, uid));
    }

    private static SpanResource Resource(string service, string? instance, string cluster, string? clusterUid)
    {
        var key = (service, string.IsNullOrEmpty(instance) ? null : instance, cluster, clusterUid);
        if (Resources.TryGetValue(key, out var r)) return r;
        if (Resources.Count >= MaxCachedResources) Resources.Clear();
        return Resources.GetOrAdd(key, k => new SpanResource(k.Service, k.Instance, k.Cluster, k.ClusterUid));
    }
}
