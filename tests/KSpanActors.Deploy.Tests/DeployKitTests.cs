namespace KSpanActors.Deploy.Tests;

/// <summary>The deployment kit as shipped (deploy/**, docker-compose.yml) against <see cref="DeployRules"/>.</summary>
public sealed class DeployKitTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string Deploy = Path.Combine(Root, "deploy");

    public static TheoryData<string> Layouts => new() { "base", "overlays/replicas-3" };

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
