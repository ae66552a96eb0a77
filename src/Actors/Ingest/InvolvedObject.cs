using System.Collections.Frozen;
using k8s.Models;

namespace KSpanActors.Ingest;

/// <summary>
/// Names what an Event is about from what its involvedObject (events.k8s.io: regarding) says, so that an Event is
/// never dropped for a missing or oddly written kind or name. The rules (README, "Replay a recording"):
/// <list type="bullet">
/// <item>A known kind written in another case is written as Kubernetes writes it (<c>pod</c> → <c>Pod</c>).</item>
/// <item>Neither kind nor name (OpenShift's installer reports <c>kube-system/bootstrap-finished</c> with only a
/// namespace; an empty involvedObject gives Events named <c>.1697c16e501a4ae4</c>): the Event is about its namespace,
/// the <c>Namespace</c> object of that name (its trace when the Namespace is known, else one of its own). With no
/// namespace either, about itself: kind <c>Event</c>, the Event's own name.</item>
/// <item>A name without a kind: kind <see cref="UnknownKind"/>.</item>
/// <item>A kind without a name: the Event's own name (<c>.1697c16e501a4ae4</c>), so it is a trace of its own rather
/// than one shared by every nameless object of that kind.</item>
/// <item>Objects of cluster-scoped kinds (Node, Namespace, PersistentVolume...) have no namespace: an Event about one
/// does not lend it its own (an Event about a Node lives in <c>default</c>), so it is found by kind and name.</item>
/// </list>
/// </summary>
internal static class InvolvedObject
{
    /// <summary>The kind given to an involved object that names no kind.</summary>
    public const string UnknownKind = "Unknown";

    /// <summary>The kind of an Event that names no object at all and has no namespace: it is about itself.</summary>
    public const string EventKind = "Event";

    /// <summary>The kinds written in more than one case in the wild, as Kubernetes writes them, and whether they are cluster-scoped.</summary>
    private static readonly FrozenDictionary<string, (string Kind, bool ClusterScoped)> Known = new (string Kind, bool ClusterScoped)[]
    {
        ("Pod", false), ("ReplicaSet", false), ("Deployment", false), ("StatefulSet", false), ("DaemonSet", false),
        ("Job", false), ("CronJob", false), ("ReplicationController", false), ("Service", false), ("Endpoints", false),
        ("EndpointSlice", false), ("ConfigMap", false), ("Secret", false), ("PersistentVolumeClaim", false),
        ("ServiceAccount", false), ("Ingress", false), ("HorizontalPodAutoscaler", false), ("PodDisruptionBudget", false),
        ("NetworkPolicy", false), ("Lease", false), ("Role", false), ("RoleBinding", false), ("ResourceQuota", false),
        ("LimitRange", false), ("Event", false), ("HelmChart", false), ("Route", false), ("DeploymentConfig", false),
        ("BuildConfig", false), ("Build", false), ("ImageStream", false), ("Machine", false), ("MachineSet", false),
        ("Node", true), ("Namespace", true), ("PersistentVolume", true), ("StorageClass", true),
        ("VolumeAttachment", true), ("CSINode", true), ("CustomResourceDefinition", true), ("ClusterRole", true),
        ("ClusterRoleBinding", true), ("CertificateSigningRequest", true), ("PriorityClass", true),
        ("RuntimeClass", true), ("APIService", true), ("MutatingWebhookConfiguration", true),
        ("ValidatingWebhookConfiguration", true), ("ClusterVersion", true), ("ClusterOperator", true),
        ("MachineConfig", true), ("MachineConfigPool", true),
    }.ToFrozenDictionary(k => k.Kind, StringComparer.OrdinalIgnoreCase);

    /// <summary>Kind, namespace and name of the object an Event is about; never empty kind or name.</summary>
    /// <param name="involved">involvedObject (regarding), null when the Event has none.</param>
    /// <param name="meta">The Event's own metadata; its uid is set.</param>
    public static (string Kind, string Namespace, string Name) Of(V1ObjectReference? involved, V1ObjectMeta meta)
        => Of(involved?.Kind, involved?.Name, involved?.NamespaceProperty, meta.NamespaceProperty, meta.Name, meta.Uid);

    /// <summary>The same from the strings: involvedObject kind, name, namespace, and the Event's own namespace, name and uid.</summary>
    /// <param name="eventName">Only used when the involved object has no name.</param>
    public static (string Kind, string Namespace, string Name) Of(string? involvedKind, string? involvedName, string? involvedNamespace, string? eventNamespace, string? eventName, string? eventUid)
    {
        var kind = Canonical(NonEmpty(involvedKind), out var clusterScoped);
        var name = NonEmpty(involvedName);
        var ns = NonEmpty(involvedNamespace) ?? NonEmpty(eventNamespace);
        var self = NonEmpty(eventName) ?? eventUid ?? "";

        if (kind is null && name is null)
        {
            return ns is not null ? ("Namespace", "", ns) : (EventKind, "", self);
        }

        kind ??= UnknownKind;
        if (string.Equals(kind, "Namespace", StringComparison.Ordinal)) name ??= ns;
        name ??= self;
        return (kind, clusterScoped ? "" : ns ?? "", name);
    }

    /// <summary>A known kind as Kubernetes writes it (<c>pod</c> → <c>Pod</c>); any other kind as it is.</summary>
    internal static string? Canonical(string? kind, out bool clusterScoped)
    {
        clusterScoped = false;
        if (kind is null) return null;
        if (!Known.TryGetValue(kind, out var known)) return kind;
        clusterScoped = known.ClusterScoped;
        return known.Kind;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
