namespace KSpanActors.Tests.FakeKube;

/// <summary>A resource the fake serves: group ("" for core), version, plural, kind, namespaced or not.</summary>
public sealed record FakeResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary>"v1", "apps/v1", "events.k8s.io/v1".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"pods", "replicasets.apps", "events.events.k8s.io".</summary>
    public string Name => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The resources every fake serves (events.k8s.io/v1 only when enabled).</summary>
    public static IReadOnlyList<FakeResource> BuiltIn { get; } =
    [
        new("", "v1", "events", "Event", true),
        new("", "v1", "pods", "Pod", true),
        new("", "v1", "namespaces", "Namespace", false),
        new("events.k8s.io", "v1", "events", "Event", true),
        new("apps", "v1", "replicasets", "ReplicaSet", true),
        new("apps", "v1", "deployments", "Deployment", true),
        new("apps", "v1", "statefulsets", "StatefulSet", true),
        new("apps", "v1", "daemonsets", "DaemonSet", true),
        new("batch", "v1", "jobs", "Job", true),
        new("batch", "v1", "cronjobs", "CronJob", true),
    ];
}
