using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Export.Otlp;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Hostile;

/// <summary>What one hostile run produced: the exported spans, the pipeline's counters, every log line, the loader's problem count.</summary>
internal sealed record HostileRun(IReadOnlyList<SpanRecord> Spans, PipelineMetrics Metrics, CapturingLogger Log, int Problems)
{
    public SpanRecord Event(string uid) => Assert.Single(Spans, s => s.Attribute("k8s.event.uid") == uid);

    public bool HasEvent(string uid) => Spans.Any(s => s.Attribute("k8s.event.uid") == uid);

    /// <summary>Asserts a log line mentions every one of these fragments.</summary>
    public void AssertLogged(params string[] fragments) =>
        Assert.True(Log.Lines.Any(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal))),
            $"no log line contains all of [{string.Join(", ", fragments)}]; lines:\n{Log.All}");

    /// <summary>Nothing in the pipeline threw: no actor logged an error or a crash.</summary>
    public void AssertNothingCrashed() =>
        Assert.DoesNotContain(Log.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) || l.StartsWith("Critical:", StringComparison.Ordinal));
}

/// <summary>
/// Replays hostile fixtures (tests/.../Fixtures/hostile) next to one good rollout story through ReplayLoader and a
/// PipelineRuntime, capturing logs and counters, with a bound on how long the drain may take.
/// </summary>
internal static class HostileHarness
{
    public const string Cluster = "hostile";

    public static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "hostile");

    public static string Fixture(string name) => Path.Combine(Fixtures, name);

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>The good story's uids: Deployment good/shop (generation 2) → ReplicaSet shop-1 → Pod shop-1-a.</summary>
    public const string G = "900d0000-0000-4000-8000-0000000000";

    /// <summary>Event uid → the event uid of its parent span ("ROOT" for the root), as docs/trace-model.md decides.</summary>
    public static readonly IReadOnlyDictionary<string, string> GoodParents = new Dictionary<string, string>
    {
        [G + "e1"] = "ROOT",
        [G + "e2"] = G + "e1",
        [G + "e3"] = G + "e2",
        [G + "e4"] = G + "e2",
        [G + "e5"] = G + "e2",
        [G + "e6"] = G + "e2",
    };

    /// <summary>Replays the good story and the given hostile files (cluster <see cref="Cluster"/>), then feeds <paramref name="facts"/>.</summary>
    public static Task<HostileRun> RunWithGoodStoryAsync(params string[] hostileFiles) =>
        RunAsync([(Fixture("good-story.json"), Cluster), .. hostileFiles.Select(f => (Path.IsPathRooted(f) ? f : Fixture(f), Cluster))]);

    public static async Task<HostileRun> RunAsync(
        IEnumerable<(string Path, string Cluster)> inputs,
        IEnumerable<IFact>? facts = null,
        PipelineSettings? settings = null,
        TimeSpan? bound = null)
    {
        var log = new CapturingLogger();
        var exporter = new CapturingExporter();
        var problems = 0;
        PipelineMetrics metrics;
        await using (var runtime = await PipelineRuntime.StartAsync(settings ?? new PipelineSettings(), [exporter], log))
        {
            var replayLog = log.CreateLogger("KSpanActors.Replay");
            foreach (var (path, cluster) in inputs)
            {
                var input = ReplayLoader.Load(path, cluster, replayLog, runtime.Metrics);
                problems += input.Problems;
                foreach (var f in input.Facts) runtime.Feed(f);
            }
            foreach (var f in facts ?? []) runtime.Feed(f);
            await runtime.DrainAsync().WaitAsync(bound ?? Bound);
            metrics = runtime.Metrics;
        }
        return new HostileRun(exporter.Spans, metrics, log, problems);
    }

    /// <summary>The good story came out whole: one trace of 7 spans, the right root, parents, times and cluster.</summary>
    public static void AssertGoodStoryIntact(IReadOnlyList<SpanRecord> spans, string cluster = Cluster)
    {
        var story = spans.Where(s => s.Resource.ClusterName == cluster && s.Attribute("k8s.namespace.name") == "good").ToList();
        var trace = Assert.Single(story.Select(s => s.TraceId).Distinct());
        var all = spans.Where(s => s.TraceId == trace).ToList();
        Assert.Equal(7, all.Count);
        Assert.All(all, s => Assert.Equal(cluster, s.Resource.ClusterName));
        var root = Assert.Single(all, s => s.IsRoot);
        Assert.Equal(("Deployment.Update", "kubectl-client-side-apply"), (root.Name, root.Resource.ServiceName));
        Assert.Equal(GoodParents.OrderBy(kv => kv.Key), TreeText.Parents(all).OrderBy(kv => kv.Key));
        Assert.All(all, s => Assert.True(root.StartNs <= s.StartNs && s.EndNs <= root.EndNs && s.StartNs <= s.EndNs));
        var pulling = all.Single(s => s.Attribute("k8s.event.uid") == G + "e4");
        var pulled = all.Single(s => s.Attribute("k8s.event.uid") == G + "e5");
        Assert.Equal(pulled.StartNs, pulling.EndNs);
        Assert.Equal(Time("2024-05-02T10:00:00Z"), root.StartNs);
    }

    public static long Time(string rfc3339) =>
        (DateTimeOffset.Parse(rfc3339, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>A Kubernetes List of the given items as JSON text.</summary>
    public static string List(IEnumerable<string> items) => "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";

    public static string EventJson(string uid, string kind, string name, string? objectUid, string reason, string message, string time, string component, string ns = "hostile")
    {
        var involved = new System.Text.Json.Nodes.JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["name"] = name, ["namespace"] = ns };
        if (objectUid is not null) involved["uid"] = objectUid;
        var e = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name + "." + uid[^6..], ["namespace"] = ns, ["uid"] = uid, ["creationTimestamp"] = time },
            ["involvedObject"] = involved,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new System.Text.Json.Nodes.JsonObject { ["component"] = component },
            ["firstTimestamp"] = time,
            ["lastTimestamp"] = time,
            ["count"] = 1,
            ["type"] = "Normal",
        };
        return e.ToJsonString();
    }

    public static string ObjectJson(string apiVersion, string kind, string name, string uid, string created, (string Kind, string Name, string Uid)? owner = null, string ns = "hostile")
    {
        var meta = new System.Text.Json.Nodes.JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = uid, ["creationTimestamp"] = created, ["resourceVersion"] = "100" };
        if (owner is { } o)
        {
            meta["ownerReferences"] = new System.Text.Json.Nodes.JsonArray(
                new System.Text.Json.Nodes.JsonObject { ["apiVersion"] = "example.com/v1", ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid, ["controller"] = true });
        }
        return new System.Text.Json.Nodes.JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = meta, ["spec"] = new System.Text.Json.Nodes.JsonObject() }.ToJsonString();
    }
}
