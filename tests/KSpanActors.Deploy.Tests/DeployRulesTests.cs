namespace KSpanActors.Deploy.Tests;

/// <summary>The rules themselves, on small documents: a rule that stopped seeing violations fails here.</summary>
public sealed class DeployRulesTests
{
    private const string GoodRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: ok
        rules:
        - apiGroups: [""]
          resources:
          - pods
          verbs: [get, "list", watch]
        """;

    private const string GoodDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ok
        spec:
          template:
            spec:
              securityContext:
                runAsNonRoot: true
              containers:
              - name: a
                command:
                - |
                  not: a key
                securityContext:
                  readOnlyRootFilesystem: true
                  allowPrivilegeEscalation: false
                  capabilities:
                    drop: ["ALL"]
                livenessProbe:
                  httpGet: {path: /healthz, port: metrics}
                readinessProbe:
                  httpGet: {path: /readyz, port: metrics}
                resources:
                  requests: {cpu: 100m, memory: 256Mi}
                  limits: {memory: 1Gi}
        """;

    [Fact]
    public void A_read_only_role_and_a_hardened_deployment_have_no_violation()
    {
        var documents = Yaml.Documents(GoodRole + "\n---\n" + GoodDeployment);

        Assert.Empty(documents.SelectMany(DeployRules.Rbac));
        Assert.Empty(documents.SelectMany(DeployRules.PodSecurity));
        Assert.Empty(documents.SelectMany(DeployRules.ProbesAndResources));
    }

    [Theory]
    [InlineData("verbs: [get, list, watch, create]", "verb other than get/list/watch")]
    [InlineData("verbs: [get, list, watch, '*']", "wildcard in a rule")]
    [InlineData("resources: ['*']", "wildcard in a rule")]
    [InlineData("apiGroups: ['*']", "wildcard in a rule")]
    [InlineData("resources: [pods, secrets]", "rule names secrets")]
    [InlineData("resources: [configmaps]", "rule names configmaps")]
    [InlineData("resources: [secrets/status]", "rule names secrets/status")]
    [InlineData("verbs: get", "verbs is not a list")]
    public void A_role_that_can_do_more_than_read_named_resources_is_reported(string line, string expected)
    {
        var rule = new Dictionary<string, string> { ["apiGroups"] = "apiGroups: [\"\"]", ["resources"] = "resources: [pods]", ["verbs"] = "verbs: [get]" };
        rule[line.Split(':')[0]] = line;
        var yaml = "kind: ClusterRole\nmetadata:\n  name: bad\nrules:\n- " + string.Join("\n  ", rule.Values) + "\n";

        var violations = Yaml.Documents(yaml).SelectMany(DeployRules.Rbac).ToList();

        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal) && v.Contains("ClusterRole/bad", StringComparison.Ordinal));
    }

    [Fact]
    public void A_container_is_non_root_by_its_pods_setting_unless_it_says_otherwise()
    {
        const string yaml = """
            kind: StatefulSet
            metadata:
              name: bad
            spec:
              template:
                spec:
                  securityContext:
                    runAsNonRoot: true
                  initContainers:
                  - name: init
                    securityContext:
                      runAsNonRoot: false
                      readOnlyRootFilesystem: true
                      allowPrivilegeEscalation: false
                      capabilities: {drop: [ALL]}
                  containers:
                  - name: main
                    securityContext:
                      readOnlyRootFilesystem: false
                      capabilities: {drop: [NET_RAW]}
            """;

        var violations = Yaml.Documents(yaml).SelectMany(DeployRules.PodSecurity).ToList();

        Assert.Contains("Pod security: StatefulSet/bad init container init has no runAsNonRoot: true (got \"false\")", violations);
        Assert.Contains("Pod security: StatefulSet/bad container main has no readOnlyRootFilesystem: true", violations);
        Assert.Contains("Pod security: StatefulSet/bad container main has no allowPrivilegeEscalation: false", violations);
        Assert.Contains("Pod security: StatefulSet/bad container main does not drop ALL capabilities", violations);
        Assert.DoesNotContain(violations, v => v.Contains("container main has no runAsNonRoot", StringComparison.Ordinal)); // inherited from the pod
        Assert.Equal(4, violations.Count);
    }

    [Fact]
    public void A_container_without_probes_or_requests_is_reported()
    {
        const string yaml = """
            kind: Deployment
            metadata: {name: bare}
            spec:
              template:
                spec:
                  containers:
                  - name: w
                    livenessProbe:
                      httpGet: {path: /metrics}
            """;

        var violations = Yaml.Documents(yaml).SelectMany(DeployRules.ProbesAndResources).ToList();

        Assert.Equal(
            [
                "Probes: Deployment/bare container w has no livenessProbe on /healthz",
                "Probes: Deployment/bare container w has no readinessProbe on /readyz",
                "Resources: Deployment/bare container w requests no CPU or no memory",
                "Resources: Deployment/bare container w has no memory limit",
            ],
            violations);
    }

    [Fact]
    public void A_compose_service_of_the_image_is_read_only_and_not_root_also_through_anchors_and_defaults()
    {
        const string yaml = """
            x-base: &base
              image: ghcr.io/kspan-actors/kspan-actors:dev
              user: "${KSPAN_UID:-0}"
              cap_drop: [ALL]
            services:
              merged:
                <<: *base
              own:
                <<: *base
                user: "10001:10001"
                read_only: true
              other:
                image: jaegertracing/all-in-one:1.60
            """;

        var violations = DeployRules.Compose(Yaml.Documents(yaml).Single()).ToList();

        Assert.Equal(["Compose: service merged is not read_only: true", "Compose: service merged runs as root (user \"0\")"], violations);
    }

    [Theory]
    [InlineData("resourceNames: [kube-system]\n  verbs: [get]", null)]
    [InlineData("verbs: [get]", "rule reads namespaces other than kube-system: ClusterRole/ns rules[0] (resourceNames: [])")]
    [InlineData("resourceNames: [kube-system, default]\n  verbs: [get]", "rule reads namespaces other than kube-system: ClusterRole/ns rules[0] (resourceNames: [kube-system, default])")]
    [InlineData("resourceNames: [kube-system]\n  verbs: [get, list]", "rule can list namespaces, only get of kube-system is needed: ClusterRole/ns rules[0]")]
    [InlineData("resourceNames: [kube-system]\n  verbs: [watch]", "rule can watch namespaces, only get of kube-system is needed: ClusterRole/ns rules[0]")]
    public void Namespaces_are_readable_only_by_a_get_of_kube_system(string rest, string? expected)
    {
        var yaml = "kind: ClusterRole\nmetadata:\n  name: ns\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, namespaces]\n  " + rest + "\n";

        var violations = Yaml.Documents(yaml).SelectMany(DeployRules.Rbac).ToList();

        if (expected is null) Assert.Empty(violations);
        else Assert.Equal(["RBAC: " + expected], violations);
    }

    [Fact]
    public void A_strategic_merge_patch_merges_mappings_and_named_list_items_and_keeps_the_rest()
    {
        var target = Yaml.Documents("""
            kind: Deployment
            metadata: {name: w}
            spec:
              replicas: 1
              template:
                spec:
                  containers:
                  - name: a
                    image: x
                    env:
                    - {name: ONE, value: ""}
                    - {name: TWO, value: "2"}
                  - name: b
                    image: y
            """).Single();
        var patch = Yaml.Documents("""
            kind: Deployment
            metadata: {name: w}
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    env:
                    - {name: ONE, value: "1"}
                    - {name: THREE, value: "$(ONE)"}
            """).Single();

        Kustomization.Merge(target, patch, "test");

        var containers = target.Maps("spec.template.spec.containers").ToList();
        Assert.Equal(["a", "b"], containers.Select(c => c.Text("name")));
        Assert.Equal("x", containers[0].Text("image"));
        Assert.Equal(["ONE=1", "TWO=2", "THREE=$(ONE)"], containers[0].Maps("env").Select(e => $"{e.Text("name")}={e.Text("value")}"));
        Assert.Equal("1", target.Text("spec.replicas"));
    }

    [Theory]
    [InlineData("spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        args: [watch, --quiet]", "list args has items without a name")]
    [InlineData("spec:\n  template:\n    spec:\n      $retainKeys: [containers]", "directive $retainKeys")]
    public void A_patch_whose_merge_is_not_known_here_is_refused_not_misread(string body, string expected)
    {
        var target = Yaml.Documents("kind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        args: [watch]\n").Single();
        var patch = Yaml.Documents("kind: Deployment\nmetadata: {name: w}\n" + body + "\n").Single();

        var e = Assert.Throws<NotSupportedException>(() => Kustomization.Merge(target, patch, "test"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
