using KSpanActors.Host;

namespace KSpanActors.Tests.Host;

/// <summary>A bad setting stops start-up with one message naming it (exit code 2), not a stack trace.</summary>
[Collection("akka-cluster")]
public sealed class ConfigurationErrorTests
{
    private static readonly string Capture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay", "rollout.capture.yaml");

    private static async Task<(int Exit, string Output)> RunWithAsync(string variable, string value, params string[] args)
    {
        var previousOut = Console.Out;
        var previousErr = Console.Error;
        using var captured = new StringWriter();
        Environment.SetEnvironmentVariable(variable, value);
        try
        {
            Console.SetOut(captured);
            Console.SetError(captured);
            var exit = await Cli.Build().Parse(args).InvokeAsync();
            return (exit, captured.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("KSpan__Pipeline__BatchSize", "-5", "KSpan:Pipeline:BatchSize")]
    [InlineData("KSpan__Pipeline__MaxBufferedSpans", "-1", "KSpan:Pipeline:MaxBufferedSpans")]
    [InlineData("KSpan__Pipeline__MaxInFlight", "0", "KSpan:Pipeline:MaxInFlight")]
    [InlineData("KSpan__Pipeline__SettleAfter", "not-a-time", "KSpan__Pipeline__SettleAfter='not-a-time' is not a duration")]
    [InlineData("KSpan__Http__Port", "abc", "KSpan__Http__Port='abc' is not a whole number")]
    [InlineData("KSpan__Pipeline__SettleAftr", "00:00:05", "KSpan__Pipeline__SettleAftr is not a setting; the settings of KSpan:Pipeline are")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT")]
    public async Task A_bad_setting_stops_replay_with_a_message_naming_it(string variable, string value, string named)
    {
        var (exit, output) = await RunWithAsync(variable, value, variable.StartsWith("KSpan__Http", StringComparison.Ordinal) ? new[] { "demo" } : new[] { "replay", Capture, "--quiet" });

        Assert.Equal(2, exit);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task An_unreadable_kubeconfig_stops_watch_with_a_message_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kspan-missing-{Guid.NewGuid():n}.yaml");
        var (exit, output) = await RunWithAsync("KSpan__Http__Port", "0", "watch", "--kubeconfig", path, "--context", "x");

        Assert.Equal(2, exit);
        Assert.Contains(path, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
