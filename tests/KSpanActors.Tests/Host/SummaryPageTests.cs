using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using KSpanActors.Export.Summary;
using KSpanActors.Host;
using KSpanActors.Tests.FakeKube;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Host;

/// <summary>The /summary page of <c>watch</c> and <c>demo --follow --http-port</c>: the fleet summary of the traces this replica exported.</summary>
[Collection("akka-cluster")]
public sealed class SummaryPageTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-summary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_endpoint_serves_the_summary_of_exported_spans_as_text_or_json()
    {
        var probes = new HttpProbes { Summary = new LiveFleetSummary(DateTimeOffset.UtcNow) };
        await using var exporter = new LiveSummaryExporter(probes.Summary);
        var port = FreePort();
        var (app, error) = await HttpEndpoints.StartAsync("127.0.0.1", port, probes, CancellationToken.None);
        Assert.Null(error);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var before = await http.GetStringAsync(new Uri("/summary", UriKind.Relative));

            await exporter.ExportAsync([Group(Rollout())], CancellationToken.None);
            using var text = await http.GetAsync(new Uri("/summary", UriKind.Relative));
            var page = await text.Content.ReadAsStringAsync();
            using var json = await http.GetAsync(new Uri("/summary?format=json", UriKind.Relative));
            using var xml = await http.GetAsync(new Uri("/summary?format=xml", UriKind.Relative));

            Assert.Contains("this replica's traces only, 0 changes", before, StringComparison.Ordinal);
            Assert.Contains("summary: no change to summarise", before, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, text.StatusCode);
            Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
            Assert.Contains("this replica's traces only, 1 changes", page, StringComparison.Ordinal);
            Assert.Contains("kind-dev/default: 1 changes, p50 9.1s, p95 9.1s, max 9.1s; image pull 65%", page, StringComparison.Ordinal);
            Assert.Contains($"  {Trace.ToHex()}  rollout default/px 9.1s", page, StringComparison.Ordinal);
            Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
            Assert.Equal(1, doc.RootElement.GetProperty("changes").GetInt64());
            Assert.Equal(HttpStatusCode.BadRequest, xml.StatusCode);
        }
        finally
        {
            await HttpEndpoints.StopAsync(app!);
        }
    }

    [Fact]
    public async Task Watch_serves_the_summary_of_the_traces_it_exported()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");
        server.LoadCapture(Path.Combine(Fixtures, "rollout.capture.yaml"));
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var env = new Dictionary<string, string?> { ["KSpan__Pipeline__SettleAfter"] = "00:00:00.300" };
        var watch = CliTests.RunAsync(env, ["watch", "--kubeconfig", kubeconfig, "--context", "fake", "--quiet", "--http-port", port.ToString(CultureInfo.InvariantCulture)], stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var page = await PageWhenAsync(http, p => p.Contains("fake/shop: 1 changes", StringComparison.Ordinal));
        await stop.CancelAsync();
        var run = await watch;

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("kspan-actors /summary: this replica's traces only, 1 changes exported since ", page, StringComparison.Ordinal);
        Assert.Contains("summary: 1 changes in 1 cluster(s)", page, StringComparison.Ordinal);
        Assert.Matches("\n  [0-9a-f]{32}  rollout shop/", page);
    }

    [Fact]
    public async Task Demo_follow_serves_the_summary_on_its_http_port()
    {
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var env = new Dictionary<string, string?> { ["KSpan__Pipeline__SettleAfter"] = "00:00:00.300" };
        var demo = CliTests.RunAsync(env, ["demo", "--follow", "--quiet", "--events-per-second", "400", "--http-port", port.ToString(CultureInfo.InvariantCulture)], stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var page = await PageWhenAsync(http, p => p.Contains("\ndemo-1/", StringComparison.Ordinal));
        await stop.CancelAsync();
        var run = await demo;

        Assert.Equal(0, run.Exit);
        Assert.Contains("this replica's traces only", page, StringComparison.Ordinal);
        Assert.Matches("\n  [0-9a-f]{32}  ", page);
    }

    private static async Task<string> PageWhenAsync(HttpClient http, Func<string, bool> ready)
    {
        var page = "";
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                page = await http.GetStringAsync(new Uri("/summary", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                return false; // not serving yet
            }
            return ready(page);
        }, TimeSpan.FromSeconds(45), () => "/summary:\n" + page, TimeSpan.FromMilliseconds(100));
        return page;
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
