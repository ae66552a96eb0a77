using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace KSpanActors.Host;

/// <summary>
/// /healthz (the process and its actor system run), /readyz (every configured cluster has listed everything it
/// watches) and Prometheus /metrics (prometheus-net, which also publishes the System.Diagnostics.Metrics meters
/// "KSpanActors*": events per cluster and kind, spans exported and dropped, watch restarts, relists, decode errors,
/// export failures, and the rollout/scheduling/pull/start histograms; plus <c>kspan_build_info{version}</c> and
/// <c>kspan_cluster_ready{cluster}</c>), and /summary (the fleet summary of the traces this process exported so far, as
/// <c>summary PATH</c> prints it; <c>?format=json</c> for JSON) on one small port. Used by <c>watch</c> and
/// <c>demo --http-port</c>.
/// </summary>
internal static class HttpEndpoints
{
    private static readonly Gauge BuildInfo = Metrics.CreateGauge("kspan_build_info", "Always 1; the version of kspan-actors serving these metrics", "version");

    private static readonly Gauge ClusterReady = Metrics.CreateGauge("kspan_cluster_ready",
        "1 when the cluster is ready (watch: every resource it watches has listed and is watched; demo: its generator runs), else 0", "cluster");

    private static HttpProbes? _serving;

    static HttpEndpoints() => Metrics.DefaultRegistry.AddBeforeCollectCallback(UpdateClusterReady);

    /// <summary>The informational version of the executable (<c>1.0.0+commit</c> when built from git).</summary>
    public static string Version { get; } =
        typeof(HttpEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HttpEndpoints).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static void UpdateClusterReady()
    {
        if (_serving is not { } probes) return;
        foreach (var (cluster, ready) in probes.Clusters()) ClusterReady.WithLabels(cluster).Set(ready ? 1 : 0);
    }

    /// <summary>Serves the endpoints; when the port cannot be bound (taken, not allowed) returns one line saying so instead.</summary>
    public static async Task<(WebApplication? App, string? Error)> StartAsync(string address, int port, HttpProbes probes, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // No logging of its own: a port it cannot bind is said in one line by the command (not with ASP.NET's stack trace).
        builder.Logging.ClearProviders();
        // Signals are ShutdownSignal's (the default ConsoleLifetime would catch SIGINT/SIGTERM too).
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, KSpanActors.Pipeline.NoSignalsHostLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(address), port));
        var app = builder.Build();
        app.MapGet("/healthz", () => probes.Alive() ? Results.Text("ok\n") : Results.Text("actor system stopped\n", statusCode: 503));
        app.MapGet("/readyz", () => probes.NotReady() is { } why ? Results.Text(why + "\n", statusCode: 503) : Results.Text("ready\n"));
        app.MapMetrics("/metrics");
        app.MapGet("/summary", (string? format) => Summary(probes.Summary, format, DateTimeOffset.UtcNow));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            return (null, StartupSettings.HttpBindError(address, port, e));
        }
        BuildInfo.WithLabels(Version).Set(1);
        _serving = probes;
        return (app, null);
    }

    /// <summary>/summary: text (the default) or JSON; 404 when the command keeps no summary, 400 for another format.</summary>
    internal static IResult Summary(KSpanActors.Export.Summary.LiveFleetSummary? summary, string? format, DateTimeOffset now)
    {
        if (summary is null) return Results.Text("no summary kept by this command\n", statusCode: 404);
        return format switch
        {
            null or "" or "text" => Results.Text(string.Join('\n', summary.Render(now)) + "\n"),
            "json" => Results.Text(summary.RenderJson(now) + "\n", "application/json; charset=utf-8"),
            _ => Results.Text($"format={format}: use text or json\n", statusCode: 400),
        };
    }

    /// <summary>Stops serving within 2 s (open keep-alive connections are not waited for longer), then disposes.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        _serving = null;
        foreach (var labels in ClusterReady.GetAllLabelValues().ToList()) ClusterReady.RemoveLabelled(labels);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped anyway, connections cut.
        }
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
