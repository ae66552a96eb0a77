namespace KSpanActors.Deploy.Tests;

/// <summary>The deployment kit as shipped (deploy/**, docker-compose.yml) against <see cref="DeployRules"/>.</summary>
public sealed class DeployKitTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string Deploy = Path.Combine(Root, "deploy");

    /// <summary>Every folder of deploy/ with a kustomization ("." is deploy/ itself): a new overlay is checked without being listed here.</summary>
    public static TheoryData<string> Layouts => new(AllLayouts());

    /// <summary>What the ClusterRole must grant, no more: the collections src/Actors/Watch lists and watches
    /// (WatchedResource.CoreEvents or EventsV1, whichever the server serves, and WatchedResource.Objects), as (group, resource).</summary>
    private static readonly string[] ListedAndWatched =
    [
        "/events", "/pods", "events.k8s.io/events",
        "apps/replicasets", "apps/deployments", "apps/statefulsets", "apps/daemonsets",
        "batch/jobs", "batch/cronjobs",
    ];

    [Fact]
    public void The_layouts_are_the_root_the_base_and_the_two_overlays()
    {
        Assert.Equal([".", "base", "overlays/jaeger", "overlays/replicas-3"], AllLayouts());
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void The_role_grants_list_and_watch_on_what_the_watcher_reads_and_get_only_on_the_kube_system_namespace(string layout)
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, layout));

        var role = Assert.Single(documents, d => d.Text("kind") == "ClusterRole");
        var grants = role.Maps("rules")
            .SelectMany(r => r.List("apiGroups").SelectMany(g => r.List("resources").SelectMany(res => r.List("verbs").Select(v =>
                $"{g}/{res} {v}{(r.List("resourceNames").Count == 0 ? "" : " [" + string.Join(",", r.List("resourceNames")) + "]")}"))))
            .Order(StringComparer.Ordinal)
            .ToList();
        var expected = ListedAndWatched.SelectMany(r => new[] { r + " list", r + " watch" })
            .Append("/namespaces get [kube-system]")
            .Order(StringComparer.Ordinal);

        Assert.Equal(expected, grants);
        Assert.DoesNotContain(documents, d => d.Text("kind") is "Role" or "RoleBinding");
    }

    [Fact]
    public void Deploy_itself_is_a_kustomization_of_the_base_so_apply_k_deploy_works_from_the_top()
    {
        var file = Path.Combine(Deploy, "kustomization.yaml");
        Assert.True(File.Exists(file), "deploy/kustomization.yaml is missing: `kubectl apply -k deploy` finds nothing to apply");
        var root = Yaml.File(file).Single();

        Assert.Equal(["base"], root.List("resources"));
        Assert.Empty(Differences(Kustomization.Render(Path.Combine(Deploy, "base")), Kustomization.Render(Deploy)));
    }

    [Fact]
    public void The_jaeger_overlay_changes_only_the_watchers_OTLP_endpoint_to_a_collector_service_in_the_cluster()
    {
        var baseline = Kustomization.Render(Path.Combine(Deploy, "base"));
        var documents = Kustomization.Render(Path.Combine(Deploy, "overlays/jaeger"));

        const string endpointPath = "Deployment/kspan-actors spec.template.spec.containers[kspan-actors].env[OTEL_EXPORTER_OTLP_ENDPOINT].value";
        Assert.Equal([endpointPath], Differences(baseline, documents));
        var env = Assert.Single(documents, d => d.Text("kind") == "Deployment").Maps("spec.template.spec.containers").Single().Maps("env").ToList();
        var endpoint = new Uri(env.Single(e => e.Text("name") == "OTEL_EXPORTER_OTLP_ENDPOINT").Text("value")!);
        Assert.Equal("http", endpoint.Scheme);
        Assert.Equal(4317, endpoint.Port); // OTLP/gRPC
        Assert.Equal("grpc", env.Single(e => e.Text("name") == "OTEL_EXPORTER_OTLP_PROTOCOL").Text("value"));
        Assert.Equal(["jaeger-collector", "observability", "svc"], endpoint.Host.Split('.')); // <service>.<namespace>.svc
    }

    [Fact]
    public void Deploy_README_shows_how_to_apply_every_layout_and_how_to_build_push_and_set_the_image()
    {
        var readme = File.ReadAllText(Path.Combine(Deploy, "README.md"));

        foreach (var layout in AllLayouts())
        {
            var dir = layout == "." ? "deploy" : "deploy/" + layout;
            Assert.Contains($"kubectl apply -k {dir}`", readme, StringComparison.Ordinal);
        }

        Assert.Contains("docker build -t", readme, StringComparison.Ordinal);
        Assert.Contains("docker push", readme, StringComparison.Ordinal);
        Assert.Contains("kustomize edit set image ghcr.io/kspan-actors/kspan-actors=", readme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("deploy/README.md")]
    [InlineData("docs/trace-model.md")]
    public void Markdown_links_point_at_files_inside_the_repository(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file));
        var links = System.Text.RegularExpressions.Regex.Matches(text, @"\]\((?<target>[^)\s]+)\)")
            .Select(m => m.Groups["target"].Value.Split('#')[0])
            .Where(t => t.Length > 0 && !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal))
            .ToList();

        foreach (var link in links)
        {
            var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(Root, file))!, link));
            Assert.True(path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"{file}: link {link} leaves the repository (a clone does not have it)");
            Assert.True(File.Exists(path) || Directory.Exists(path), $"{file}: link {link} points at nothing");
        }

        if (file == "README.md") Assert.Contains("docs/trace-model.md", links);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rbac_grants_only_get_list_watch_on_named_resources_and_never_secrets_or_configmaps(string layout)
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, layout));

        var roles = documents.Where(d => d.Text("kind") is "ClusterRole" or "Role").ToList();
        Assert.NotEmpty(roles);
        Assert.All(roles, r => Assert.NotEmpty(r.List("rules")));
        NoViolation(documents.SelectMany(DeployRules.Rbac));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_container_runs_non_root_with_a_read_only_root_filesystem_and_no_privileges(string layout)
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, layout));

        Assert.NotEmpty(documents.SelectMany(DeployRules.Containers)); // something was checked
        NoViolation(documents.SelectMany(DeployRules.PodSecurity));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_watcher_has_liveness_and_readiness_probes_requests_and_a_memory_limit(string layout)
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, layout));

        NoViolation(documents.SelectMany(DeployRules.ProbesAndResources));
    }

    [Fact]
    public void The_base_runs_one_watcher_as_a_Deployment_bound_to_its_read_only_role()
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, "base"));

        var deployment = Assert.Single(documents, d => d.Text("kind") == "Deployment");
        Assert.Equal("1", deployment.Text("spec.replicas"));
        var account = deployment.Text("spec.template.spec.serviceAccountName");
        var binding = Assert.Single(documents, d => d.Text("kind") == "ClusterRoleBinding");
        Assert.Equal(account, Assert.Single(binding.Maps("subjects")).Text("name"));
        Assert.Contains(documents, d => d.Text("kind") == "ClusterRole" && d.Text("metadata.name") == binding.Text("roleRef.name"));
    }

    [Fact]
    public void The_replicas_overlay_replaces_the_Deployment_by_a_StatefulSet_of_three_with_a_headless_service()
    {
        var documents = Kustomization.Render(Path.Combine(Deploy, "overlays/replicas-3"));

        Assert.DoesNotContain(documents, d => d.Text("kind") == "Deployment");
        var statefulSet = Assert.Single(documents, d => d.Text("kind") == "StatefulSet");
        Assert.Equal("3", statefulSet.Text("spec.replicas"));
        var governing = Assert.Single(documents, d => d.Text("kind") == "Service" && d.Text("metadata.name") == statefulSet.Text("spec.serviceName"));
        Assert.Equal("None", governing.Text("spec.clusterIP"));
    }

    [Fact]
    public void Every_manifest_under_deploy_is_named_by_a_kustomization_and_every_named_file_exists()
    {
        var named = Kustomization.NamedFiles(Deploy).ToHashSet(StringComparer.Ordinal);
        var manifests = Directory.EnumerateFiles(Deploy, "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml").Select(Path.GetFullPath);

        Assert.All(named, f => Assert.True(File.Exists(f) || Directory.Exists(f), $"named but missing: {f}"));
        Assert.All(manifests, f => Assert.True(named.Contains(f), $"not part of any kustomization: {f}"));
    }

    [Fact]
    public void Compose_runs_every_kspan_actors_service_read_only_and_not_as_root()
    {
        var compose = Yaml.File(Path.Combine(Root, "docker-compose.yml")).Single();

        Assert.Equal(3, compose.Map("services")!.Values.OfType<Dictionary<string, object?>>().Count(s => s.Text("image")?.Contains("kspan-actors", StringComparison.Ordinal) == true));
        NoViolation(DeployRules.Compose(compose));
    }

    private static List<string> AllLayouts() =>
        [.. Directory.EnumerateFiles(Deploy, "kustomization.yaml", SearchOption.AllDirectories)
            .Select(k => Path.GetRelativePath(Deploy, Path.GetDirectoryName(k)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    /// <summary>Where two renders differ, one line per differing value: "Kind/name dotted.path" (list items by name when they have one).</summary>
    private static List<string> Differences(IReadOnlyList<Dictionary<string, object?>> before, IReadOnlyList<Dictionary<string, object?>> after)
    {
        static string Who(Dictionary<string, object?> d) => $"{d.Text("kind")}/{d.Text("metadata.name")}";
        var differences = new List<string>();
        foreach (var who in before.Select(Who).Union(after.Select(Who)))
        {
            Compare(before.FirstOrDefault(d => Who(d) == who), after.FirstOrDefault(d => Who(d) == who), who + " ");
        }

        return differences;

        void Compare(object? a, object? b, string path)
        {
            switch (a, b)
            {
                case (Dictionary<string, object?> x, Dictionary<string, object?> y):
                    foreach (var key in x.Keys.Union(y.Keys)) Compare(x.GetValueOrDefault(key), y.GetValueOrDefault(key), path.EndsWith(' ') ? path + key : path + "." + key);
                    break;
                case (List<object?> x, List<object?> y) when x.Concat(y).All(i => i is Dictionary<string, object?> m && m.Text("name") is not null):
                    static string Name(object? i) => ((Dictionary<string, object?>)i!).Text("name")!;
                    foreach (var name in x.Select(Name).Union(y.Select(Name))) Compare(x.FirstOrDefault(i => Name(i) == name), y.FirstOrDefault(i => Name(i) == name), $"{path}[{name}]");
                    break;
                case (List<object?> x, List<object?> y):
                    for (var i = 0; i < Math.Max(x.Count, y.Count); i++) Compare(x.ElementAtOrDefault(i), y.ElementAtOrDefault(i), $"{path}[{i}]");
                    break;
                default:
                    if (!Equals(a, b)) differences.Add(path.TrimEnd());
                    break;
            }
        }
    }

    /// <summary>Fails with every violation, one per line.</summary>
    private static void NoViolation(IEnumerable<string> violations)
    {
        var all = violations.ToList();
        Assert.True(all.Count == 0, $"{all.Count} violation(s):\n" + string.Join('\n', all));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KSpanActors.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"no KSpanActors.sln above {AppContext.BaseDirectory}");
    }
}
