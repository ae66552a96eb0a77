using KSpanActors.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace KSpanActors.Host;

/// <summary>Logging (to stderr, so stdout carries only the waterfall) and configuration shared by the commands.</summary>
internal static class HostSetup
{
    public static ILoggerFactory Loggers(bool verbose) => LoggerFactory.Create(b => b
        .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
        .AddFilter("Akka", verbose ? LogLevel.Information : LogLevel.Warning)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>appsettings.json beside the executable or in the working directory, then KSpan__* environment variables.</summary>
    public static IConfiguration Configuration() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>The KSpan:Pipeline section over the given defaults; errors name the setting.</summary>
    public static (PipelineSettings Settings, string? Error) PipelineSettings(IConfiguration config, PipelineSettings defaults)
    {
        PipelineSettings settings;
        try
        {
            var section = config.GetSection("KSpan:Pipeline");
            settings = defaults with
            {
                SettleAfter = section["SettleAfter"] is { } s ? TimeSpan.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : defaults.SettleAfter,
                PassivateAfter = section["PassivateAfter"] is { } p ? TimeSpan.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : defaults.PassivateAfter,
                Shards = section.GetValue("Shards", defaults.Shards),
                BatchSize = section.GetValue("BatchSize", defaults.BatchSize),
                BatchInterval = section.GetValue("BatchInterval", defaults.BatchInterval),
                MaxBufferedSpans = section.GetValue("MaxBufferedSpans", defaults.MaxBufferedSpans),
                ExportAttempts = section.GetValue("ExportAttempts", defaults.ExportAttempts),
                MaxInFlight = section.GetValue("MaxInFlight", defaults.MaxInFlight),
                MaxOwnerDepth = section.GetValue("MaxOwnerDepth", defaults.MaxOwnerDepth),
                Hostname = section["Hostname"] ?? defaults.Hostname,
                Port = section.GetValue("Port", defaults.Port),
                PublicHostname = section["PublicHostname"] ?? defaults.PublicHostname,
                NameRetention = section.GetValue("NameRetention", defaults.NameRetention),
                SbrStableAfter = section.GetValue("SbrStableAfter", defaults.SbrStableAfter),
                FailureDetectorPause = section.GetValue("FailureDetectorPause", defaults.FailureDetectorPause),
                ReplicateEmitted = section["ReplicateEmitted"] is { } re ? bool.Parse(re) : defaults.ReplicateEmitted,
                SeedNodes = section.GetSection("SeedNodes").Get<string[]>() ?? [.. defaults.SeedNodes],
                // The final flush waits for an exporter as long as one OTLP request may take.
                FlushTimeout = section["FlushTimeout"] is { } ft ? TimeSpan.Parse(ft, System.Globalization.CultureInfo.InvariantCulture)
                    : Export.Otlp.OtlpSettings.FromEnvironment() is { Timeout: var t } && t > TimeSpan.Zero ? t
                    : defaults.FlushTimeout,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            return (defaults, $"KSpan:Pipeline: {e.Message} (check the KSpan__Pipeline__* variables and appsettings.json)");
        }
        var errors = settings.Validate().ToList();
        return (settings, errors.Count == 0 ? null : string.Join("; ", errors));
    }
}
