namespace KSpanActors.Watch;

/// <summary>What to watch in every cluster. Bound from KSpan:Watch (KSpan__Watch__Namespaces__0, __ExcludeNamespaces__0, __LabelSelector, __Resources__0).</summary>
internal sealed record WatchSettings : ISettings
{
    /// <summary>Only these namespaces (empty: all).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Never these namespaces.</summary>
    public IReadOnlyList<string> ExcludeNamespaces { get; init; } = [];

    /// <summary>Label selector for the watched objects (Events have no labels and are always watched).</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Extra resources, "group/version/resource[:Kind]" (argoproj.io/v1alpha1/rollouts:Rollout).</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>Items per list page.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Server-side timeout of one watch request; the watch is then resumed from the last resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First and longest wait between failed attempts (with jitter), reset after a healthy stream.</summary>
    public TimeSpan BackoffMin { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        foreach (var r in Resources)
        {
            if (!WatchedResource.TryParse(r, out _, out var error)) yield return "KSpan:Watch:Resources: " + error;
        }
        if (PageSize < 1) yield return "KSpan:Watch:PageSize must be at least 1";
        if (WatchTimeout < TimeSpan.FromSeconds(1)) yield return "KSpan:Watch:WatchTimeout must be at least 1 second";
        if (BackoffMin <= TimeSpan.Zero || BackoffMax < BackoffMin) yield return "KSpan:Watch:BackoffMin must be positive and not above BackoffMax";
        foreach (var ns in Namespaces.Intersect(ExcludeNamespaces)) yield return $"KSpan:Watch: namespace '{ns}' is both included and excluded";
    }
}
