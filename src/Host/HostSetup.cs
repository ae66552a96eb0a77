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
}
