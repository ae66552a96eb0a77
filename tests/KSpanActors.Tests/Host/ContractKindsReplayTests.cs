using System.Text.Json.Nodes;
using KSpanActors.Host;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Host;

/// <summary>
/// `kspan-actors replay` of hand-written recordings of the kinds issue 11 §3 added to the contract, in the recorded order
/// and shuffled (Fixtures/replay):
/// <list type="bullet">
/// <item><c>cronjob-runs.json</c>: a CronJob running every minute, three runs; the first run's Job and pod are gone (its
/// Job deleted by the history limit during the second run), the third run's Job gives up after a second pod.</item>
/// <item><c>controller-messages.json</c>: a ReplicaSet that hits its quota (FailedCreate) before its second pod (the
/// scaling in the "from 0 to 2" form of Kubernetes 1.29+), a DaemonSet pod that is gone, k3s installing a HelmChart
/// with a Job.</item>
/// <item><c>cluster-scoped-owners.json</c>: a Node owning mirror pods in two namespaces, OpenShift's ClusterVersion
/// owning Deployments in two namespaces; neither owner's object is in the recording (watch mode does not list them).</item>
/// </list>
/// </summary>
[Collection("akka-cluster")]
public sealed class ContractKindsReplayTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-kinds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<List<JsonSpan>> ReplayAsync(string path, string? shuffleSeed)
    {
        var output = Path.Combine(_dir, Guid.NewGuid().ToString("n") + ".jsonl");
        string[] args = ["replay", Path.Combine(Fixtures, path), "--otlp-json", output, "--quiet"];
        if (shuffleSeed is not null) args = [.. args, "--shuffle-seed", shuffleSeed];
        var exit = await Cli.Build().Parse(args).InvokeAsync();
        Assert.Equal(0, exit);
        return OtlpJsonSpans.Load(output);
    }

    private static string C(int n) => $"c1000000-0000-4000-8000-{n:x12}";

    private static string B(int n) => $"b1000000-0000-4000-8000-{n:x12}";

    private static string A(int n) => $"a1000000-0000-4000-8000-{n:x12}";

    /// <summary>Every Event of the fixture is exactly one span, and no span is an event the fixture does not hold.</summary>
    private static void OneSpanPerEvent(string fixture, IReadOnlyList<JsonSpan> spans)
    {
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, fixture)))!;
        var events = doc["items"]!.AsArray().Where(i => (string?)i!["kind"] == "Event").Select(i => (string)i!["metadata"]!["uid"]!).Order();
        Assert.Equal(events, spans.Where(s => s.EventUid is not null).Select(s => s.EventUid!).Order());
    }

    private static void Parents(IReadOnlyList<JsonSpan> spans, params (string Child, string Parent)[] expected)
    {
        // The parent's event uid: a run's root is its create's span; "ROOT" is a change's own root.
        var byId = spans.ToDictionary(s => (s.Trace, s.Id));
        var parents = spans.Where(s => s.EventUid is not null && s.Parent.Length > 0).ToDictionary(
            s => s.EventUid!,
            s => byId.GetValueOrDefault((s.Trace, s.Parent)) is { } p ? p.EventUid ?? (p.Parent.Length == 0 ? "ROOT" : "OBJECT") : "MISSING");
        foreach (var (child, parent) in expected) Assert.True(parents.TryGetValue(child, out var got) && got == parent, $"{child}: expected under {parent}, got {got ?? "a root"}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public async Task Each_cronjob_run_is_a_trace_rooted_at_its_create_with_the_job_and_its_pods_below_in_any_order(string? seed)
    {
        var spans = await ReplayAsync("cronjob-runs.json", seed);

        OneSpanPerEvent("cronjob-runs.json", spans);
        var roots = spans.Where(s => s.Parent.Length == 0).OrderBy(s => s.Start).ToList();
        Assert.Equal([C(0x01), C(0x09), C(0x12)], roots.Select(r => r.EventUid));
        Assert.All(roots, r => Assert.Equal(("CronJob.SuccessfulCreate", "cronjob-controller"), (r.Name, r.Service)));
        Assert.Equal(3, spans.Select(s => s.Trace).Distinct().Count());
        foreach (var root in roots) Assert.All(spans.Where(s => s.Trace == root.Trace), s => Assert.True(root.Start <= s.Start && s.End <= root.End));

        // The first run: its Job and pod are gone, found from "Created job" and "Created pod:".
        Parents(spans, (C(0x02), C(0x01)), (C(0x03), C(0x02)), (C(0x06), C(0x02)), (C(0x07), C(0x01)), (C(0x08), C(0x01)));
        // The second run, during which the first run's Job is deleted.
        Parents(spans, (C(0x0a), C(0x09)), (C(0x0e), C(0x0a)), (C(0x0f), C(0x09)), (C(0x10), C(0x09)), (C(0x11), C(0x09)));
        // The third run: two pods, then the Job gives up.
        Parents(spans, (C(0x13), C(0x12)), (C(0x17), C(0x13)), (C(0x18), C(0x12)), (C(0x1c), C(0x18)), (C(0x1d), C(0x12)), (C(0x1e), C(0x12)));
        Assert.Equal(2, spans.Single(s => s.EventUid == C(0x1d)).StatusCode);
        Assert.Equal((roots[2].Start, roots[2].End), (spans.Single(s => s.EventUid == C(0x12)).Start, spans.Single(s => s.EventUid == C(0x1e)).End));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public async Task Failed_creates_daemonset_pods_and_helmchart_jobs_hang_under_what_their_controllers_say_in_any_order(string? seed)
    {
        var spans = await ReplayAsync("controller-messages.json", seed);

        OneSpanPerEvent("controller-messages.json", spans);
        // The quota: FailedCreate (count 4) under the scaling that asked for the pod, like the creates.
        Parents(spans, (B(0x01), "ROOT"), (B(0x02), B(0x01)), (B(0x03), B(0x02)), (B(0x07), B(0x01)), (B(0x08), B(0x01)), (B(0x0c), B(0x08)));
        // The DaemonSet's gone pod: found from "Created pod:", Killing under "Deleted pod:".
        Parents(spans, (B(0x0d), "ROOT"), (B(0x0e), B(0x0d)), (B(0x11), B(0x0d)), (B(0x12), "ROOT"), (B(0x13), B(0x12)));
        // k3s: the HelmChart's ApplyJob names the Job; the Job's create and completion go under it.
        Parents(spans, (B(0x14), "ROOT"), (B(0x15), B(0x14)), (B(0x19), B(0x15)), (B(0x1a), B(0x14)));
        Assert.Equal(
            ["DaemonSet.Update", "Deployment.Update", "HelmChart.Update"],
            spans.Where(s => s.Parent.Length == 0).Select(s => s.Name).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_junk_copy_of_a_scaling_event_is_not_the_parent_of_a_real_create_whichever_comes_first(bool junkFirst)
    {
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "controller-messages.json")))!;
        var items = doc["items"]!.AsArray();
        var scaling = items.Single(i => (string?)i!["metadata"]!["uid"] == B(0x01))!;
        var junk = new string('x', 1 << 20);
        // A copy of the scaling (same uid and count) whose message is a megabyte of junk, and another event that starts
        // like a scaling of the same ReplicaSet, later than the real one, but says no size.
        var copy = scaling.DeepClone();
        copy["message"] = junk;
        var half = scaling.DeepClone();
        half["metadata"]!["uid"] = B(0xff);
        half["metadata"]!["name"] = "cart.17dffffffffffff";
        half["lastTimestamp"] = "2024-06-03T11:00:50Z";
        half["message"] = "Scaled up replica set cart-6d8f7b9c4 " + junk;
        if (junkFirst) items.Insert(0, copy);
        else items.Add(copy);
        items.Add(half);
        var path = Path.Combine(_dir, "junk.json");
        File.WriteAllText(path, doc.ToJsonString());

        foreach (var seed in new string?[] { null, "4" })
        {
            var spans = await ReplayAsync(path, seed);

            Parents(spans, (B(0x02), B(0x01)), (B(0x08), B(0x01)), (B(0xff), "ROOT"));
            Assert.Single(spans, s => s.EventUid == B(0x01));
            Assert.Single(spans, s => s.EventUid == B(0xff));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public async Task A_cluster_scoped_owner_of_objects_in_two_namespaces_is_one_trace_without_a_namespace(string? seed)
    {
        var spans = await ReplayAsync("cluster-scoped-owners.json", seed);

        OneSpanPerEvent("cluster-scoped-owners.json", spans);
        var roots = spans.Where(s => s.Parent.Length == 0).OrderBy(s => s.Name).ToList();
        Assert.Equal(["ClusterVersion.Create", "Node.Create"], roots.Select(r => r.Name));
        Assert.All(roots, r => Assert.Null(r.Namespace));
        var node = roots[1].Trace;
        Assert.Equal([A(1), A(2), A(3)], spans.Where(s => s.Trace == node && s.EventUid is not null).Select(s => s.EventUid!).Order());
        Assert.Equal(["kube-system", "logging"], spans.Where(s => s.Trace == node && s.Name == "Pod.NodeNotReady").Select(s => s.Namespace!).Order());
        Assert.Equal([A(4), A(5)], spans.Where(s => s.Trace == roots[0].Trace && s.EventUid is not null).Select(s => s.EventUid!).Order());
        Parents(spans, (A(1), "ROOT"), (A(2), "ROOT"), (A(3), "ROOT"), (A(4), "ROOT"), (A(5), "ROOT"));
    }

    [Theory]
    [InlineData("replay/flux-toplevel.yaml")]
    [InlineData("public/kspan-statefulset-flux-sync.yaml")]
    public async Task Shuffled_flux_recordings_give_the_tree_of_the_recorded_order(string fixture)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture);
        var recorded = await ReplayAsync(path, null);
        Assert.NotEmpty(recorded);
        Assert.All(recorded.Where(s => s.EventUid is not null).GroupBy(s => s.EventUid), g => Assert.Single(g));

        foreach (var seed in new[] { "1", "2", "3", "4", "5" })
        {
            var shuffled = await ReplayAsync(path, seed);
            Assert.Equal(recorded.Select(Key).Order(), shuffled.Select(Key).Order());
        }

        static string Key(JsonSpan s) => $"{s.Trace} {s.Id} {s.Parent} {s.Name} {s.EventUid} {s.Start} {s.End}";
    }
}
