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
}
