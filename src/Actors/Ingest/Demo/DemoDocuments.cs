using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace KSpanActors.Ingest.Demo;

/// <summary>
/// Builds KubernetesClient models and serializes them with <see cref="KubernetesJson"/>'s options, members in the API
/// server's order (<see cref="ApiServerOrder"/>).
/// </summary>
internal static class DemoDocuments
{
    public const long Second = 1_000_000_000L;

    /// <summary>
    /// KubernetesJson's options, with members in the order the API server writes them (Go's struct order): kind,
    /// apiVersion and metadata first, and in metadata name, namespace, uid and resourceVersion before labels, owners and
    /// managed fields. KubernetesClient's models alone write members alphabetically (metadata after involvedObject,
    /// resourceVersion after managedFields): a watch reading such a document found its resourceVersion last.
    /// </summary>
    private static readonly JsonSerializerOptions ApiServerOrder = CreateApiServerOrder();

    private static readonly string[] TypeMetaOrder = ["kind", "apiVersion", "metadata"];

    private static readonly string[] ObjectMetaOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static JsonSerializerOptions CreateApiServerOrder()
    {
        var options = KubeDecoder.KubernetesOptions();
        var resolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
            .WithAddedModifier(info =>
            {
                var order = info.Type == typeof(V1ObjectMeta) ? ObjectMetaOrder : TypeMetaOrder;
                foreach (var p in info.Properties)
                {
                    var at = Array.IndexOf(order, p.Name);
                    if (at >= 0) p.Order = at - order.Length; // before every other member (0), in this order
                }
            });
        return new JsonSerializerOptions(options) { TypeInfoResolver = resolver };
    }

    private static readonly JsonElement KubectlSpecFields = Parse(
        """{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}""");

    private static readonly JsonElement ControllerStatusFields = Parse(
        """{"f:status":{"f:availableReplicas":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}""");

    private static readonly JsonElement OwnedSpecFields = Parse(
        """{"f:metadata":{"f:labels":{".":{},"f:app":{}},"f:ownerReferences":{".":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}""");

    private static readonly JsonElement KubeletStatusFields = Parse(
        """{"f:status":{"f:conditions":{},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}}""");

    public static DateTime Time(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);

    public static long ToNs(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>A core/v1 Event occurrence. Repeats share <paramref name="ids"/> and keep <paramref name="firstNs"/>.</summary>
    public static SourceDocument Event(
        (string Uid, string NameSuffix) ids,
        DemoInvolved about,
        string type,
        string reason,
        string message,
        string component,
        string? host,
        int count,
        long firstNs,
        long lastNs,
        long resourceVersion)
    {
        var ev = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                Name = about.Name + "." + ids.NameSuffix,
                NamespaceProperty = about.Namespace,
                Uid = ids.Uid,
                CreationTimestamp = Time(firstNs),
                ResourceVersion = Rv(resourceVersion),
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = about.ApiVersion,
                Kind = about.Kind,
                Name = about.Name,
                NamespaceProperty = about.Namespace,
                Uid = about.Uid,
                FieldPath = about.FieldPath,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Count = count,
            FirstTimestamp = Time(firstNs),
            LastTimestamp = Time(lastNs),
            Source = new V1EventSource { Component = component, Host = host },
            ReportingComponent = component,
            ReportingInstance = host ?? "",
        };
        return Encode(ev, "Event", "v1", about.Name);
    }

    /// <summary>The managed fields of a workload applied with kubectl (spec) whose status the controller manager keeps.</summary>
    private static List<V1ManagedFieldsEntry> AppliedByKubectl(long specNs, long statusNs) =>
    [
        new V1ManagedFieldsEntry { ApiVersion = "apps/v1", FieldsType = "FieldsV1", FieldsV1 = KubectlSpecFields, Manager = "kubectl-client-side-apply", Operation = "Update", Time = Time(specNs) },
        new V1ManagedFieldsEntry { ApiVersion = "apps/v1", FieldsType = "FieldsV1", FieldsV1 = ControllerStatusFields, Manager = "kube-controller-manager", Operation = "Update", Subresource = "status", Time = Time(statusNs) },
    ];

    public static SourceDocument Deployment(
        string ns, string name, string uid, long generation, long createdNs, long specNs, long statusNs,
        int replicas, string image, int ready, int updated, long resourceVersion)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        var d = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = uid,
                Generation = generation,
                CreationTimestamp = Time(createdNs),
                ResourceVersion = Rv(resourceVersion),
                Labels = labels,
                Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ManagedFields = AppliedByKubectl(specNs, statusNs),
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = Template(labels, image),
            },
            Status = new V1DeploymentStatus
            {
                ObservedGeneration = generation,
                Replicas = Math.Max(replicas, ready),
                ReadyReplicas = ready,
                AvailableReplicas = ready,
                UpdatedReplicas = updated,
            },
        };
        return Encode(d, "Deployment", "apps/v1", name);
    }

    public static SourceDocument StatefulSet(
        string ns, string name, string uid, long generation, long createdNs, long specNs, long statusNs, string image, int ready, long resourceVersion)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        var s = new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = uid,
                Generation = generation,
                CreationTimestamp = Time(createdNs),
                ResourceVersion = Rv(resourceVersion),
                Labels = labels,
                ManagedFields = AppliedByKubectl(specNs, statusNs),
            },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 1,
                ServiceName = name,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = Template(labels, image),
            },
            Status = new V1StatefulSetStatus { ObservedGeneration = generation, Replicas = 1, ReadyReplicas = ready, AvailableReplicas = ready },
        };
        return Encode(s, "StatefulSet", "apps/v1", name);
    }

    public static SourceDocument ReplicaSet(
        string ns, string name, string uid, string templateHash, string deployment, string deploymentUid, long revision,
        long createdNs, int replicas, int ready, string image, long resourceVersion)
    {
        var labels = new Dictionary<string, string> { ["app"] = deployment, ["pod-template-hash"] = templateHash };
        var rs = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = uid,
                Generation = 1,
                CreationTimestamp = Time(createdNs),
                ResourceVersion = Rv(resourceVersion),
                Labels = labels,
                Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = deployment, Uid = deploymentUid, Controller = true, BlockOwnerDeletion = true }],
                ManagedFields =
                [
                    new V1ManagedFieldsEntry { ApiVersion = "apps/v1", FieldsType = "FieldsV1", FieldsV1 = OwnedSpecFields, Manager = "kube-controller-manager", Operation = "Update", Time = Time(createdNs) },
                ],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = Template(labels, image),
            },
            Status = new V1ReplicaSetStatus { Replicas = Math.Max(replicas, ready), ReadyReplicas = ready, AvailableReplicas = ready, ObservedGeneration = 1 },
        };
        return Encode(rs, "ReplicaSet", "apps/v1", name);
    }

    /// <summary>A pod snapshot: pending (no node), running (scheduled and started at <paramref name="startedNs"/>), or deleted.</summary>
    public static SourceDocument Pod(DemoPod pod, long? startedNs, long? deletedNs, long resourceVersion)
    {
        var ownerApi = pod.OwnerKind is "ReplicaSet" or "StatefulSet" ? "apps/v1" : "v1";
        var managed = new List<V1ManagedFieldsEntry>
        {
            new() { ApiVersion = "v1", FieldsType = "FieldsV1", FieldsV1 = OwnedSpecFields, Manager = "kube-controller-manager", Operation = "Update", Time = Time(pod.CreatedNs) },
        };
        if (startedNs is { } s)
            managed.Add(new() { ApiVersion = "v1", FieldsType = "FieldsV1", FieldsV1 = KubeletStatusFields, Manager = "kubelet", Operation = "Update", Subresource = "status", Time = Time(s) });
        var p = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = pod.Name,
                GenerateName = pod.OwnerKind == "ReplicaSet" ? pod.OwnerName + "-" : null,
                NamespaceProperty = pod.Namespace,
                Uid = pod.Uid,
                CreationTimestamp = Time(pod.CreatedNs),
                DeletionTimestamp = deletedNs is { } d ? Time(d) : null,
                DeletionGracePeriodSeconds = deletedNs is null ? null : 30,
                ResourceVersion = Rv(resourceVersion),
                Labels = pod.Labels,
                OwnerReferences = [new V1OwnerReference { ApiVersion = ownerApi, Kind = pod.OwnerKind, Name = pod.OwnerName, Uid = pod.OwnerUid, Controller = true, BlockOwnerDeletion = true }],
                ManagedFields = managed,
            },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "app", Image = pod.Image }],
                NodeName = startedNs is null ? null : pod.Node,
            },
            Status = new V1PodStatus
            {
                Phase = startedNs is null ? "Pending" : "Running",
                StartTime = startedNs is { } st ? Time(st) : null,
                HostIP = startedNs is null ? null : "10.0.0." + (1 + (pod.Node.Length + pod.Node[^1]) % 200),
            },
        };
        return Encode(p, "Pod", "v1", pod.Name, deleted: deletedNs is not null);
    }

    private static V1PodTemplateSpec Template(IDictionary<string, string> labels, string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
    };

    private static SourceDocument Encode(object model, string kind, string apiVersion, string name, bool deleted = false)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(model, model.GetType(), ApiServerOrder);
        return new SourceDocument(kind, apiVersion, json, "demo " + kind + " " + name, deleted);
    }

    private static string Rv(long rv) => rv.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
