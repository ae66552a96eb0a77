using System.Collections.Concurrent;
using System.Collections.Immutable;
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

    public static SpanRecord EventSpan(string cluster, string? clusterUid, EventObserved e, TraceId trace, SpanId id, SpanId parent, long startNs, long endNs)
    {
        var message = Bounded(e.Message);
        var container = EventMessages.ContainerName(e.FieldPath);
        var node = EventMessages.ScheduledNode(e.Reason, e.Message);
        var count = 3 + (string.IsNullOrEmpty(message) ? 0 : 1) + (string.IsNullOrEmpty(e.Namespace) ? 0 : 1)
            + ObjectAttributeCount(e.Kind, e.ObjectUid) + (container is null ? 0 : 1) + (node is null ? 0 : 1);
        var attrs = ImmutableArray.CreateBuilder<SpanAttribute>(count); // exact size: MoveToImmutable, no copy
        attrs.Add(SpanAttribute.Of("k8s.event.uid", e.EventUid));
        attrs.Add(SpanAttribute.Of("k8s.event.reason", e.Reason));
        attrs.Add(SpanAttribute.Of("k8s.event.count", e.Count));
        if (!string.IsNullOrEmpty(message)) attrs.Add(SpanAttribute.Of("k8s.event.message", message));
        if (!string.IsNullOrEmpty(e.Namespace)) attrs.Add(SpanAttribute.Of("k8s.namespace.name", e.Namespace));
        AddObjectAttributes(attrs, e.Kind, e.Name, e.ObjectUid);
        if (container is not null) attrs.Add(SpanAttribute.Of("k8s.container.name", container));
        if (node is not null) attrs.Add(SpanAttribute.Of("k8s.node.name", node));

        return new SpanRecord(
            trace, id, parent, SpanName(e.Kind, e.Reason),
            startNs, Math.Max(startNs, endNs),
            e.Warning ? SpanStatus.Error : SpanStatus.Unset,
            e.Warning ? message : null,
            Resource(e.Service, e.Instance, cluster, clusterUid),
            attrs.Count == attrs.Capacity ? attrs.MoveToImmutable() : attrs.ToImmutable());
    }

    public static SpanRecord RootSpan(string cluster, string? clusterUid, TraceFamily family, GenerationStart change, TraceId trace, SpanId id, long startNs, long endNs)
    {
        var top = family.Top;
        var operation = change.Operation ?? (change.Generation <= 1 ? "Create" : "Update");
        var attrs = ImmutableArray.CreateBuilder<SpanAttribute>(5);
        if (!string.IsNullOrEmpty(top.Namespace)) attrs.Add(SpanAttribute.Of("k8s.namespace.name", top.Namespace));
        AddObjectAttributes(attrs, top.Kind, top.Name, family.TopUid.StartsWith('~') ? null : family.TopUid);
        if (change.Generation > 0) attrs.Add(SpanAttribute.Of("k8s.object.generation", change.Generation));
        return new SpanRecord(
            trace, id, SpanId.None, string.Concat(top.Kind, ".", operation),
            startNs, Math.Max(startNs, endNs), SpanStatus.Unset, null,
            Resource(change.Manager ?? "unknown", null, cluster, clusterUid),
            attrs.DrainToImmutable());
    }

    /// <summary>A message cut to <see cref="MaxMessageChars"/> (never inside a surrogate pair), saying how much was cut.</summary>
    internal static string Bounded(string message)
    {
        if (message.Length <= MaxMessageChars) return message;
        var keep = char.IsHighSurrogate(message[MaxMessageChars - 1]) ? MaxMessageChars - 1 : MaxMessageChars;
        return string.Concat(message.AsSpan(0, keep), $"… ({message.Length - keep} more characters)");
    }

    /// <summary>The semantic-convention attribute prefix of a kind (k8s.pod, k8s.deployment...), null for kinds without one.</summary>
    public static string? SemanticPrefix(string kind) => kind switch
    {
        "Pod" => "k8s.pod",
        "ReplicaSet" => "k8s.replicaset",
        "Deployment" => "k8s.deployment",
        "StatefulSet" => "k8s.statefulset",
        "DaemonSet" => "k8s.daemonset",
        "Job" => "k8s.job",
        "CronJob" => "k8s.cronjob",
        "Node" => "k8s.node",
        _ => null,
    };

    private static int ObjectAttributeCount(string kind, string? uid) => (SemanticPrefix(kind) is null ? 2 : 1) + (uid is null ? 0 : 1);

    private static void AddObjectAttributes(ImmutableArray<SpanAttribute>.Builder attrs, string kind, string name, string? uid)
    {
        if (SemanticPrefix(kind) is { } prefix)
        {
            attrs.Add(SpanAttribute.Of(prefix + ".name", name));
            if (uid is not null) attrs.Add(SpanAttribute.Of(prefix + ".uid", uid));
        }
        else
        {
            attrs.Add(SpanAttribute.Of("k8s.object.kind", kind));
            attrs.Add(SpanAttribute.Of("k8s.object.name", name));
            if (uid is not null) attrs.Add(SpanAttribute.Of("k8s.object.uid", uid));
        }
    }

    private static SpanResource Resource(string service, string? instance, string cluster, string? clusterUid)
    {
        var key = (service, string.IsNullOrEmpty(instance) ? null : instance, cluster, clusterUid);
        if (Resources.TryGetValue(key, out var r)) return r;
        if (Resources.Count >= MaxCachedResources) Resources.Clear();
        return Resources.GetOrAdd(key, k => new SpanResource(k.Service, k.Instance, k.Cluster, k.ClusterUid));
    }
}
