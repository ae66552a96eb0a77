namespace KSpanActors.Deploy.Tests;

/// <summary>
/// The deployment kit's rules, each a pure function from one YAML document to its violations (one line each, naming
/// the object): least-privilege RBAC, pod security, probes and requests, the compose file's services.
/// </summary>
internal static class DeployRules
{
    private static readonly string[] ReadVerbs = ["get", "list", "watch"];
    private static readonly string[] Forbidden = ["secrets", "configmaps"];
    private static readonly string[] RuleFields = ["apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"];

    /// <summary>The one namespace whose object the watcher reads (GET, for its uid: the cluster's identity).</summary>
    public const string ClusterIdentityNamespace = "kube-system";

    /// <summary>Roles and ClusterRoles: only get/list/watch, no secrets or configmaps (subresources included), no wildcard anywhere;
    /// namespaces only by a get of the kube-system namespace (<c>resourceNames</c>), never every namespace.</summary>
    public static IEnumerable<string> Rbac(Dictionary<string, object?> doc)
    {
        if (doc.Text("kind") is not ("Role" or "ClusterRole")) yield break;
        var who = Who(doc);
        var rules = doc.List("rules");
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not Dictionary<string, object?> rule)
            {
                yield return $"RBAC: {who} rules[{i}] is not a mapping";
                continue;
            }

            foreach (var field in RuleFields)
            {
                if (rule.TryGetValue(field, out var value) && value is not List<object?>) yield return $"RBAC: {who} rules[{i}].{field} is not a list";
                foreach (var v in rule.List(field).Select(v => v?.ToString() ?? ""))
                {
                    if (v.Contains('*', StringComparison.Ordinal)) yield return $"RBAC: wildcard in a rule: {who} rules[{i}].{field} = {v}";
                    if (field == "verbs" && !ReadVerbs.Contains(v)) yield return $"RBAC: verb other than get/list/watch: {who} rules[{i}] = {v}";
                    if (field == "resources" && v.Split('/').Any(Forbidden.Contains)) yield return $"RBAC: rule names {v}: {who} rules[{i}]";
                }
            }

            if (rule.List("verbs").Count == 0) yield return $"RBAC: {who} rules[{i}] has no verbs";

            if (rule.List("resources").Any(r => r?.ToString()?.Split('/')[0] == "namespaces"))
            {
                var names = rule.List("resourceNames").Select(n => n?.ToString() ?? "").ToList();
                if (names.Count == 0 || names.Any(n => n != ClusterIdentityNamespace))
                {
                    yield return $"RBAC: rule reads namespaces other than {ClusterIdentityNamespace}: {who} rules[{i}] (resourceNames: [{string.Join(", ", names)}])";
                }

                foreach (var verb in rule.List("verbs").Select(v => v?.ToString() ?? "").Where(v => v != "get"))
                {
                    yield return $"RBAC: rule can {verb} namespaces, only get of {ClusterIdentityNamespace} is needed: {who} rules[{i}]";
                }
            }
        }
    }

    /// <summary>Every container (init and ephemeral ones too) of every pod spec in the document: runAsNonRoot (its own, or
    /// the pod's when it sets none), a read-only root filesystem, no privilege escalation, every capability dropped.</summary>
    public static IEnumerable<string> PodSecurity(Dictionary<string, object?> doc)
    {
        foreach (var (pod, container, what) in Containers(doc))
        {
            var who = $"{Who(doc)} {what} {container.Text("name")}";
            var nonRoot = container.Text("securityContext.runAsNonRoot") ?? pod.Text("securityContext.runAsNonRoot");
            if (nonRoot != "true") yield return $"Pod security: {who} has no runAsNonRoot: true (got \"{nonRoot}\")";
            if (container.Text("securityContext.readOnlyRootFilesystem") != "true") yield return $"Pod security: {who} has no readOnlyRootFilesystem: true";
            if (container.Text("securityContext.allowPrivilegeEscalation") != "false") yield return $"Pod security: {who} has no allowPrivilegeEscalation: false";
            if (!container.List("securityContext.capabilities.drop").Contains("ALL")) yield return $"Pod security: {who} does not drop ALL capabilities";
        }
    }

    /// <summary>Every (non-init) container: a liveness probe on /healthz, a readiness probe on /readyz, CPU and memory
    /// requests and a memory limit.</summary>
    public static IEnumerable<string> ProbesAndResources(Dictionary<string, object?> doc)
    {
        foreach (var (_, container, what) in Containers(doc).Where(c => c.What == "container"))
        {
            var who = $"{Who(doc)} {what} {container.Text("name")}";
            if (container.Text("livenessProbe.httpGet.path") != "/healthz") yield return $"Probes: {who} has no livenessProbe on /healthz";
            if (container.Text("readinessProbe.httpGet.path") != "/readyz") yield return $"Probes: {who} has no readinessProbe on /readyz";
            if (container.Text("resources.requests.cpu") is null || container.Text("resources.requests.memory") is null) yield return $"Resources: {who} requests no CPU or no memory";
            if (container.Text("resources.limits.memory") is null) yield return $"Resources: {who} has no memory limit";
        }
    }

    /// <summary>A compose file: every service running the kspan-actors image is read_only, runs as a user other than root
    /// and drops every capability.</summary>
    public static IEnumerable<string> Compose(Dictionary<string, object?> doc)
    {
        foreach (var (name, value) in doc.Map("services") ?? [])
        {
            if (value is not Dictionary<string, object?> service || service.Text("image")?.Contains("kspan-actors", StringComparison.Ordinal) != true) continue;
            if (service.Text("read_only") != "true") yield return $"Compose: service {name} is not read_only: true";
            var user = service.Text("user")?.Split(':')[0];
            if (user is null or "" or "0" or "root") yield return $"Compose: service {name} runs as root (user \"{service.Text("user")}\")";
            if (!service.List("cap_drop").Contains("ALL")) yield return $"Compose: service {name} does not drop ALL capabilities";
        }
    }

    /// <summary>Every container of every pod spec (a mapping with <c>containers</c>) anywhere in the document.</summary>
    public static IEnumerable<(Dictionary<string, object?> Pod, Dictionary<string, object?> Container, string What)> Containers(Dictionary<string, object?> doc)
    {
        foreach (var pod in Mappings(doc).Where(m => m.ContainsKey("containers")))
        {
            foreach (var (field, what) in new[] { ("containers", "container"), ("initContainers", "init container"), ("ephemeralContainers", "ephemeral container") })
            {
                foreach (var c in pod.Maps(field)) yield return (pod, c, what);
            }
        }
    }

    private static IEnumerable<Dictionary<string, object?>> Mappings(object? node)
    {
        switch (node)
        {
            case Dictionary<string, object?> map:
                yield return map;
                foreach (var m in map.Values.SelectMany(Mappings)) yield return m;
                break;
            case List<object?> list:
                foreach (var m in list.SelectMany(Mappings)) yield return m;
                break;
        }
    }

    private static string Who(Dictionary<string, object?> doc) => $"{doc.Text("kind")}/{doc.Text("metadata.name")}";
}
