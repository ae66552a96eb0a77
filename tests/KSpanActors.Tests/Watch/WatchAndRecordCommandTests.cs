using System.Net.Http;
using KSpanActors.Host;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Export.Otlp;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Watch;

/// <summary>`kspan-actors watch` and `record` as a user runs them, against the fake API server.</summary>
[Collection("akka-cluster")]
public sealed class WatchAndRecordCommandTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-cmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task Until(Func<bool> condition, int seconds = 45) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(seconds));

    [Fact]
    public async Task Record_writes_a_capture_that_replay_turns_into_the_same_tree()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");
        server.LoadCapture(Path.Combine(Fixtures, "rollout.capture.yaml"), hold: true);
        server.ReleaseNext(8);
        var capture = Path.Combine(_dir, "recorded.yaml");

        using var stop = new CancellationTokenSource();
        var record = Cli.Build().Parse(["record", "--kubeconfig", kubeconfig, "--context", "fake", "--duration", "10m", "--out", capture]).InvokeAsync(cancellationToken: stop.Token);
        await server.WaitUntilAsync(s => s.OpenWatchesFor("events") > 0 && s.OpenWatchesFor("pods") > 0, TimeSpan.FromSeconds(20));
        server.ReleaseAll();
        await Until(() => File.Exists(capture) && File.ReadAllText(capture).Contains("e0000000-0000-4000-8000-000000000018", StringComparison.Ordinal));
        await stop.CancelAsync(); // Ctrl+C: what was recorded is kept
        Assert.Equal(0, await record.WaitAsync(TimeSpan.FromSeconds(30)));
        var spansFile = Path.Combine(_dir, "spans.jsonl");
        var replayExit = await Cli.Build().Parse(["replay", capture, "--otlp-json", spansFile, "--quiet"]).InvokeAsync();

        Assert.Equal(0, replayExit);
        var spans = OtlpJsonSpans.Load(spansFile);
        var parents = OtlpJsonSpans.EventParents(spans);
        Assert.Equal(18, spans.Count(s => s.EventUid is not null));
        Assert.Equal("e0000000-0000-4000-8000-000000000002", parents["e0000000-0000-4000-8000-000000000004"]);
        Assert.Equal("e0000000-0000-4000-8000-000000000009", parents["e0000000-0000-4000-8000-000000000010"]);
    }

    [Fact]
    public async Task Record_stops_after_its_duration_and_exits_0()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");
        server.LoadCapture(Path.Combine(Fixtures, "rollout.capture.yaml"));
        var capture = Path.Combine(_dir, "short.yaml");

        var exit = await Cli.Build().Parse(["record", "--kubeconfig", kubeconfig, "--duration", "2s", "--out", capture]).InvokeAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exit);
        Assert.Contains("\"style\":\"initial\"", File.ReadAllText(capture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_command_serves_health_and_metrics_exports_over_otlp_and_exits_0_when_stopped()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");
        server.LoadCapture(Path.Combine(Fixtures, "rollout.capture.yaml"));
        await using var receiver = await OtlpTestReceiver.StartAsync();
        var port = FreePort();
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.GrpcEndpoint.ToString());
        Environment.SetEnvironmentVariable("KSpan__Pipeline__SettleAfter", "00:00:00.300");
        using var stop = new CancellationTokenSource();
        try
        {
            var watch = Cli.Build().Parse(["watch", "--kubeconfig", kubeconfig, "--context", "fake", "--quiet", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                .InvokeAsync(cancellationToken: stop.Token);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Until(() => Get(http, "/readyz").Result == 200);
            Assert.Equal(200, await Get(http, "/healthz"));
            await receiver.WaitForSpansAsync(19, TimeSpan.FromSeconds(30));
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

            await stop.CancelAsync(); // Ctrl+C or SIGTERM
            var exit = await watch.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(0, exit);
            Assert.Contains("kspan_cluster_events", metrics, StringComparison.Ordinal);
            Assert.Contains("cluster=\"fake\"", metrics, StringComparison.Ordinal);
            Assert.Contains("kspan_image_pull_duration", metrics, StringComparison.Ordinal);
            var spans = ReceivedSpans.From(receiver.Requests);
            Assert.Equal(18, spans.Count(s => s.EventUid is not null));
            Assert.All(spans, s => Assert.Equal("fake", s.Cluster));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", null);
            Environment.SetEnvironmentVariable("KSpan__Pipeline__SettleAfter", null);
        }
    }

    [Fact]
    public async Task Watch_with_an_unknown_context_stops_with_one_clear_message()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");

        var exit = await Cli.Build().Parse(["watch", "--kubeconfig", kubeconfig, "--context", "nope", "--http-port", "0"]).InvokeAsync();

        Assert.Equal(2, exit);
    }

    private static async Task<int> Get(HttpClient http, string path)
    {
        try
        {
            using var r = await http.GetAsync(new Uri(path, UriKind.Relative));
            return (int)r.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
