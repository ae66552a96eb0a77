using System.Net;
using KSpanActors.Watch;
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
/// export failures, and the rollout/scheduling/pull/start histograms) on one small port.
/// </summary>
internal static class HttpEndpoints
{
    public static async Task<WebApplication> StartAsync(string address, int port, WatchStatus status, Func<bool> alive, Func<string?> notReady, ILoggerFactory loggers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Signals are ShutdownSignal's (the default ConsoleLifetime would catch SIGINT/SIGTERM too).
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, KSpanActors.Pipeline.NoSignalsHostLifetime>();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(address), port));
        var app = builder.Build();
        app.MapGet("/healthz", () => alive() ? Results.Text("ok\n") : Results.Text("actor system stopped\n", statusCode: 503));
        app.MapGet("/readyz", () => notReady() is { } why ? Results.Text(why + "\n", statusCode: 503) : Results.Text("ready\n"));
        app.MapMetrics("/metrics");
        await app.StartAsync(ct).ConfigureAwait(false);
        return app;
    }

    /// <summary>Stops serving within 2 s (open keep-alive connections are not waited for longer), then disposes.</summary>
    public static async Task StopAsync(WebApplication app)
    {
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
