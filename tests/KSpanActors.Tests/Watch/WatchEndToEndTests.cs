using System.Text.Json;
using KSpanActors.Export.Otlp;
using KSpanActors.Pipeline;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Export.Otlp;
using KSpanActors.Tests.Support;
using KSpanActors.Watch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KSpanActors.Tests.Watch;

/// <summary>
/// The live path end to end: a fake API server (real list/watch protocol) streams our rollout fixture to the real
/// KubernetesClient inside ClusterWatchers, whose spans reach an OTLP gRPC receiver; faults on the way change nothing.
/// </summary>
[Collection("akka-cluster")]
public sealed class WatchEndToEndTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-watch-").FullName;
    private static readonly Dictionary<string, string> Expected = LoadExpected();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, string> LoadExpected()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "rollout.expected.json")));
        return doc.RootElement.GetProperty("parents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    private static WatchSettings FastWatch => new()
    {
        BackoffMin = TimeSpan.FromMilliseconds(50),
        BackoffMax = TimeSpan.FromMilliseconds(400),
        WatchTimeout = TimeSpan.FromSeconds(30),
    };

    private sealed record Cluster(string Name, FakeKubeApiServer Server, string Kubeconfig);

    private async Task<Cluster> StartClusterAsync(string name, string token = "token-1")
    {
        var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { RequiredToken = token, BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var dir = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        var kubeconfig = server.WriteKubeconfig(dir, name, token);
        server.LoadCapture(Path.Combine(Fixtures, "rollout.capture.yaml"), hold: true);
        server.ReleaseNext(6); // some state exists before the watcher lists; the rest streams through watches
        return new Cluster(name, server, kubeconfig);
    }

    private static async Task<(List<JsonSpan> Spans, PipelineMetrics Metrics)> WatchAsync(
        IReadOnlyList<Cluster> clusters, Func<Cluster, Task> duringWatch)
    {
        await using var receiver = await OtlpTestReceiver.StartAsync();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        var exporter = OtlpExporterFactory.Create(new OtlpSettings(receiver.GrpcEndpoint, OtlpProtocol.Grpc, [], TimeSpan.FromSeconds(10), false), NullLoggerFactory.Instance);
        var catalog = new WatchCatalog([.. clusters.Select(c => new ClusterSource { Name = c.Name, Kubeconfig = c.Kubeconfig, Context = c.Name })], FastWatch, loggers);
        await using var runtime = await PipelineRuntime.StartAsync(
            new PipelineSettings { SettleAfter = TimeSpan.FromMilliseconds(300), BatchInterval = TimeSpan.FromMilliseconds(100) }, [exporter], loggers, watch: catalog);
        runtime.StartWatching(clusters.Select(c => c.Name));
        await Until(() => catalog.Status.IsReady && clusters.All(c => c.Server.OpenWatchesFor("events") > 0));

        foreach (var c in clusters) await duringWatch(c);
        foreach (var c in clusters) c.Server.ReleaseAll();

        var expectedSpans = clusters.Count * (Expected.Count + 1);
        await Until(() => EventUids(receiver).Count >= clusters.Count * Expected.Count);
        runtime.StopWatching(clusters.Select(c => c.Name));
        await runtime.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (ReceivedSpans.From(receiver.Requests), runtime.Metrics);
    }

    private static List<(string?, string)> EventUids(OtlpTestReceiver receiver) =>
        [.. ReceivedSpans.From(receiver.Requests).Where(s => s.EventUid is not null).Select(s => (s.Cluster, s.EventUid!))];

    private static Task Until(Func<bool> condition) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(45));

    private static void AssertExactlyTheExpectedTree(List<JsonSpan> spans, string cluster)
    {
        var mine = spans.Where(s => s.Cluster == cluster).ToList();
        var events = mine.Where(s => s.EventUid is not null).ToList();
        Assert.Equal(Expected.Keys.Order(), events.Select(s => s.EventUid!).Order()); // every event once: none missing, none twice
        Assert.Equal(mine.Count, mine.Select(s => s.Id).Distinct().Count());
        var parents = OtlpJsonSpans.EventParents(mine);
        foreach (var (uid, parent) in Expected) Assert.Equal(parent, parents[uid]);
        Assert.Single(mine.Select(s => s.Trace).Distinct());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("stream-cut-mid-event")]
    [InlineData("410-gone")]
    [InlineData("malformed-line")]
    [InlineData("401-then-new-token")]
    [InlineData("slow-stream")]
    [InlineData("api-server-restart")]
    public async Task Every_span_arrives_exactly_once_whatever_the_watch_goes_through(string fault)
    {
        var cluster = await StartClusterAsync("fake");
        await using var server = cluster.Server;

        var (spans, metrics) = await WatchAsync([cluster], async c =>
        {
            switch (fault)
            {
                case "stream-cut-mid-event":
                    c.Server.CutNextWatchMidEvent("events", afterEvents: 3);
                    c.Server.CloseAllWatches();
                    break;
                case "410-gone":
                    c.Server.ExpireNextWatch("events");
                    c.Server.ExpireNextWatch("pods");
                    c.Server.CloseAllWatches();
                    await c.Server.WaitUntilAsync(s => s.FaultsFired(FakeFault.Expired) >= 2 && s.ListsServedFor("events") >= 2, TimeSpan.FromSeconds(20));
                    break;
                case "malformed-line":
                    c.Server.MalformedLineInNextWatch("events", afterEvents: 2);
                    c.Server.CloseAllWatches();
                    break;
                case "401-then-new-token":
                    c.Server.RotateToken("token-2");
                    c.Server.CloseAllWatches();
                    await c.Server.WaitUntilAsync(s => s.FaultsFired(FakeFault.Unauthorized) >= 1, TimeSpan.FromSeconds(20));
                    c.Server.WriteKubeconfig(Path.GetDirectoryName(c.Kubeconfig)!, c.Name, "token-2"); // the credentials are rotated on disk
                    break;
                case "slow-stream":
                    c.Server.SlowStream(TimeSpan.FromMilliseconds(40), "events");
                    break;
                case "api-server-restart":
                    c.Server.DropAllWatches();
                    break;
            }
        });

        AssertExactlyTheExpectedTree(spans, "fake");
        switch (fault)
        {
            case "stream-cut-mid-event": Assert.True(server.FaultsFired(FakeFault.CutMidEvent) >= 1 && metrics.WatchRestarts >= 1); break;
            case "410-gone": Assert.True(metrics.Relists >= 1); break;
            case "malformed-line": Assert.True(metrics.MalformedLines >= 1); break;
            case "401-then-new-token": Assert.True(metrics.Unauthorized >= 1); break;
        }
    }

    [Fact]
    public async Task Three_clusters_watched_at_once_give_three_separate_traces_tagged_with_their_cluster()
    {
        var clusters = new List<Cluster>();
        foreach (var name in new[] { "east", "west", "north" }) clusters.Add(await StartClusterAsync(name));
        try
        {
            var (spans, _) = await WatchAsync(clusters, _ => Task.CompletedTask);

            foreach (var c in clusters) AssertExactlyTheExpectedTree(spans, c.Name);
            Assert.Equal(3, spans.Select(s => s.Trace).Distinct().Count());
            Assert.All(spans.GroupBy(s => s.Trace), g => Assert.Single(g.Select(s => s.Cluster).Distinct()));
        }
        finally
        {
            foreach (var c in clusters) await c.Server.DisposeAsync();
        }
    }
}
