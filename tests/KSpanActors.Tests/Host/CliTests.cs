using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KSpanActors.Host;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Tests.Host;

/// <summary>
/// The command line as a user meets it, run in-process through <see cref="Host.Cli.InvokeAsync"/> (what Program
/// runs) with stdout and stderr captured: every mistake is one line and exit code 2, never a stack trace.
/// </summary>
[Collection("akka-cluster")]
public sealed class CliTests : IDisposable
{
    private static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay", "rollout.capture.yaml");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal sealed record Run(int Exit, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs the CLI with the given environment variables set for the run only.</summary>
    internal static async Task<Run> RunAsync(IReadOnlyDictionary<string, string?> env, string[] args, CancellationToken ct = default)
    {
        var previousOut = Console.Out;
        var previousErr = Console.Error;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var saved = env.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in env) Environment.SetEnvironmentVariable(k, v);
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            var exit = await global::KSpanActors.Host.Cli.InvokeAsync(args, cancellationToken: ct).WaitAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
            return new Run(exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }

    private static Task<Run> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), args);

    private static void AssertOneLineUsageError(Run run, string expected)
    {
        Assert.Equal(2, run.Exit);
        var line = Assert.Single(run.ErrLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData(new[] { "replay", "x.yaml", "--bogus" }, "kspan-actors replay: unknown option or argument '--bogus'")]
    [InlineData(new[] { "demo", "--clusters", "abc" }, "kspan-actors demo: --clusters 'abc' is not a whole number")]
    [InlineData(new[] { "frobnicate" }, "kspan-actors: unknown command 'frobnicate' (commands: watch, replay, summary, record, demo)")]
    [InlineData(new string[0], "kspan-actors: a command is needed: watch, replay, summary, record, demo")]
    [InlineData(new[] { "replay" }, "kspan-actors replay: PATH is missing")]
    [InlineData(new[] { "watch", "--http-port", "x" }, "--http-port 'x' is not a whole number")]
    public async Task Wrong_arguments_exit_2_with_one_line(string[] args, string expected)
    {
        var run = await RunAsync(args);

        AssertOneLineUsageError(run, expected);
        Assert.DoesNotContain("System.Int32", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KSpan__Pipeline__SettleAfter", "abc", "KSpan__Pipeline__SettleAfter='abc' is not a duration such as 00:00:05 (KSpan:Pipeline:SettleAfter in appsettings.json)")]
    [InlineData("KSpan__Pipeline__Shards", "many", "KSpan__Pipeline__Shards='many' is not a whole number")]
    [InlineData("KSpan__Pipeline__Placement", "nearby", "KSpan__Pipeline__Placement='nearby' is not one of Source, Spread (KSpan:Pipeline:Placement in appsettings.json)")]
    [InlineData("KSpan__Pipeline__ShardsPerCluster", "0", "KSpan:Pipeline:ShardsPerCluster must be at least 1")]
    [InlineData("KSpan__Pipeline__ReplicateEmitted", "yes", "KSpan__Pipeline__ReplicateEmitted='yes' is not true or false")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "abc", "OTEL_EXPORTER_OTLP_TIMEOUT='abc' is not a positive number of milliseconds")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift", "OTEL_EXPORTER_OTLP_PROTOCOL='thrift' is not a supported protocol (grpc, http/protobuf, http/json)")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='http' is not a supported protocol")]
    [InlineData("KSPAN_TRACE_URL", "http://localhost:16686/trace/", "KSPAN_TRACE_URL='http://localhost:16686/trace/' has no {traceId}")]
    public async Task A_bad_setting_is_named_in_one_line_even_without_an_otlp_endpoint(string variable, string value, string expected)
    {
        var run = await RunAsync(new Dictionary<string, string?> { [variable] = value }, ["replay", Capture, "--otlp-json", Path.Combine(_dir, "s.jsonl")]);

        AssertOneLineUsageError(run, expected);
    }

    [Fact]
    public async Task Http_port_out_of_range_is_one_line_and_exit_2()
    {
        var run = await RunAsync("demo", "--http-port", "70000");

        AssertOneLineUsageError(run, "--http-port 70000 is not a port: use 1-65535, or 0 to serve no /metrics");
    }

    [Fact]
    public async Task Http_port_already_taken_is_one_line_and_exit_2_for_watch_and_demo()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");

        var watch = await RunAsync("watch", "--kubeconfig", kubeconfig, "--context", "fake", "--http-port", port);
        var demo = await RunAsync("demo", "--http-port", port);

        foreach (var run in new[] { watch, demo })
        {
            Assert.Equal(2, run.Exit);
            var line = Assert.Single(run.ErrLines);
            Assert.Contains($"--http-port {port}: 0.0.0.0:{port} is already in use", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Watch_with_an_unknown_context_lists_the_available_ones()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_dir, "fake");

        var run = await RunAsync("watch", "--kubeconfig", kubeconfig, "--context", "nope", "--http-port", "0");

        Assert.Equal(2, run.Exit);
        var line = Assert.Single(run.ErrLines);
        Assert.Contains($"context 'nope' is not in {kubeconfig}; available: fake", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Otlp_json_to_a_directory_says_it_is_a_directory()
    {
        var run = await RunAsync("replay", Capture, "--otlp-json", _dir);

        AssertOneLineUsageError(run, $"--otlp-json {_dir}: is a directory");
    }

    [Fact]
    public async Task Otlp_json_dash_writes_the_lines_to_stdout_and_the_waterfall_to_stderr()
    {
        var run = await RunAsync("replay", Capture, "--otlp-json", "-");

        Assert.Equal(0, run.Exit);
        var spans = run.OutLines.SelectMany(l => JsonDocument.Parse(l).RootElement.GetProperty("resourceSpans").EnumerateArray()).Count();
        Assert.True(spans > 0);
        Assert.DoesNotContain("▶", run.Out, StringComparison.Ordinal);
        Assert.Contains("▶ Deployment.Update", run.Err, StringComparison.Ordinal);
        Assert.Contains("drawn on stderr, 19 written to stdout", run.ErrLines[^1], StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "-")));
    }

    [Fact]
    public async Task Quiet_replay_with_nowhere_to_send_the_spans_is_refused()
    {
        var run = await RunAsync("replay", Capture, "--quiet");

        AssertOneLineUsageError(run, "--quiet with no --otlp-json FILE and no OTEL_EXPORTER_OTLP_ENDPOINT: the spans would go nowhere");
    }

    [Fact]
    public async Task The_last_line_of_a_replay_says_where_the_spans_went()
    {
        var file = Path.Combine(_dir, "spans.jsonl");
        var run = await RunAsync("replay", Capture, "--otlp-json", file);

        Assert.Equal(0, run.Exit);
        Assert.EndsWith($"19 spans exported, 0 dropped — 19 drawn in the terminal, 19 written to {file}", run.ErrLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_every_span_is_dropped_the_last_line_says_so_and_the_exit_code_is_3()
    {
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1000",
        };

        var run = await RunAsync(env, ["replay", Capture, "--quiet"]);

        Assert.Equal(3, run.Exit);
        Assert.Matches(@"every span was dropped: 0 spans exported, 19 dropped \(otlp-grpc: .*\) — 0 sent to http://127\.0\.0\.1:9/; exit code 3$", run.ErrLines[^1]);
    }

    [Fact]
    public async Task Otlp_http_json_posts_otlp_json_to_v1_traces()
    {
        var bodies = new System.Collections.Concurrent.ConcurrentQueue<(string? ContentType, string Path, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            bodies.Enqueue((context.Request.ContentType, context.Request.Path, body.ToArray()));
            return Results.Json(new { });
        });
        await app.StartAsync();
        var endpoint = app.Urls.First();
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
        };

        var run = await RunAsync(env, ["replay", Capture, "--quiet"]);
        await app.StopAsync();

        Assert.Equal(0, run.Exit);
        Assert.All(bodies, b => Assert.Equal(("application/json", "/v1/traces"), (b.ContentType, b.Path)));
        var file = Path.Combine(_dir, "received.jsonl");
        File.WriteAllLines(file, bodies.Select(b => System.Text.Encoding.UTF8.GetString(b.Body).TrimEnd('\n')));
        var spans = OtlpJsonSpans.Load(file);
        Assert.Equal(19, spans.Count);
        Assert.Equal(18, spans.Count(s => s.EventUid is not null));
        Assert.All(spans, s => Assert.Matches("^[0-9a-f]{32}$", s.Trace));
        Assert.Contains($"19 sent to {endpoint}/v1/traces", run.ErrLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_follow_serves_metrics_with_build_info_and_cluster_readiness()
    {
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var demo = RunAsync(new Dictionary<string, string?>(), ["demo", "--follow", "--clusters", "2", "--events-per-second", "200", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--otlp-json", Path.Combine(_dir, "d.jsonl")], stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                return false; // not serving yet
            }
            return metrics.Contains("kspan_cluster_ready{cluster=\"demo-2\"} 1", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(45), () => "demo-2 ready on /metrics", TimeSpan.FromMilliseconds(50));
        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));

        await stop.CancelAsync();
        var run = await demo;

        Assert.Equal(0, run.Exit);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains($"kspan_build_info{{version=\"{HttpEndpoints.Version}\"}} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("kspan_cluster_ready{cluster=\"demo-1\"} 1", metrics, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
