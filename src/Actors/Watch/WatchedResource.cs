namespace KSpanActors.Watch;

/// <summary>A Kubernetes resource to list and watch: group ("" for core), version, plural, kind.</summary>
internal sealed record WatchedResource(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public override string ToString() => Group.Length == 0 ? $"{Plural} ({Version})" : $"{Plural}.{Group} ({Version})";

    /// <summary>Path of the collection, cluster-wide or in one namespace.</summary>
    public string Path(string? ns)
    {
        var prefix = Group.Length == 0 ? "api/" + Version : "apis/" + Group + "/" + Version;
        return ns is null || !Namespaced ? $"{prefix}/{Plural}" : $"{prefix}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";
    }

    public static readonly WatchedResource CoreEvents = new("", "v1", "events", "Event");
    public static readonly WatchedResource EventsV1 = new("events.k8s.io", "v1", "events", "Event");

    /// <summary>The objects the trace model needs (events come first, chosen by what the server serves).</summary>
    public static readonly IReadOnlyList<WatchedResource> Objects =
    [
        new("", "v1", "pods", "Pod"),
        new("apps", "v1", "replicasets", "ReplicaSet"),
        new("apps", "v1", "deployments", "Deployment"),
        new("apps", "v1", "statefulsets", "StatefulSet"),
        new("apps", "v1", "daemonsets", "DaemonSet"),
        new("batch", "v1", "jobs", "Job"),
        new("batch", "v1", "cronjobs", "CronJob"),
    ];

    /// <summary>Parses "group/version/resource[:Kind]" (core: "v1/pods:Pod" or "/v1/pods"); the kind defaults to the singular, capitalized.</summary>
    public static bool TryParse(string text, out WatchedResource? resource, out string? error)
    {
        resource = null;
        error = null;
        var kindSplit = text.Split(':', 2);
        var parts = kindSplit[0].Trim().Split('/');
        string group, version, plural;
        if (parts.Length == 3) (group, version, plural) = (parts[0], parts[1], parts[2]);
        else if (parts.Length == 2) (group, version, plural) = ("", parts[0], parts[1]);
        else
        {
            error = $"'{text}' is not group/version/resource (e.g. argoproj.io/v1alpha1/rollouts:Rollout)";
            return false;
        }
        if (version.Length == 0 || plural.Length == 0)
        {
            error = $"'{text}' is not group/version/resource (e.g. argoproj.io/v1alpha1/rollouts:Rollout)";
            return false;
        }
        var kind = kindSplit.Length == 2 && kindSplit[1].Trim().Length > 0 ? kindSplit[1].Trim() : GuessKind(plural);
        resource = new WatchedResource(group, version, plural, kind);
        return true;
    }

    private static string GuessKind(string plural)
    {
        var singular = plural.EndsWith("ies", StringComparison.Ordinal) ? plural[..^3] + "y"
            : plural.EndsWith("ses", StringComparison.Ordinal) ? plural[..^2]
            : plural.EndsWith('s') ? plural[..^1] : plural;
        return char.ToUpperInvariant(singular[0]) + singular[1..];
    }
}
