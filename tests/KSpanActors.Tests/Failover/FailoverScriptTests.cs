using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace KSpanActors.Tests.Failover;

/// <summary>
/// The scale-out issue's acceptance run: scripts/failover.sh starts an OTLP sink, five fake clusters and three
/// kspan-actors replicas on 127.0.0.1, kills one replica with SIGKILL mid-stream, and prints as its last line
/// {"lost":N,"duplicated":N,"rewatch_seconds":X,...}. Takes a few minutes (it builds in Release first).
/// </summary>
[Trait("Category", "Failover")]
public sealed class FailoverScriptTests(ITestOutputHelper output)
{
    /// <summary>Above the script's own bounded waits (build, readiness, rewatch, stream, drain), so its diagnosis arrives first.</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Killing_one_of_three_replicas_mid_stream_loses_and_duplicates_no_span_and_a_survivor_resumes_every_cluster_within_30_seconds()
    {
        var (exitCode, stdout, stderr) = await RunScriptAsync(Path.Combine(RepositoryRoot(), "scripts", "failover.sh"));
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(last is not null && last.StartsWith('{'), $"the script printed no JSON last line (exit {exitCode})\n{stdout}\n{stderr}");
        using var result = JsonDocument.Parse(last);
        var root = result.RootElement;
        Assert.False(root.TryGetProperty("error", out var error), $"the harness failed: {error}\n{stdout}");
        Assert.Equal((5, 3), (root.GetProperty("clusters").GetInt32(), root.GetProperty("replicas").GetInt32()));
        Assert.True(root.GetProperty("spans").GetInt32() > 0, $"the sink received no span\n{stdout}");
        Assert.True(root.GetProperty("rewatch_seconds").ValueKind == JsonValueKind.Number, $"some cluster was never watched again: {last}");
        Assert.Equal((0, 0), (root.GetProperty("lost").GetInt32(), root.GetProperty("duplicated").GetInt32()));
        Assert.InRange(root.GetProperty("rewatch_seconds").GetDouble(), 0, 30);
        Assert.Equal(0, exitCode);
    }

    /// <summary>The folder holding KSpanActors.sln, above the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KSpanActors.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"no KSpanActors.sln above {AppContext.BaseDirectory}");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunScriptAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(script))!,
        };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var reading = Task.WhenAll(CopyAsync(process.StandardOutput, stdout), CopyAsync(process.StandardError, stderr));
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGKILL of the whole tree we started: the script's EXIT trap cannot run, so its children go too
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await reading.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Fail($"scripts/failover.sh did not finish within {ScriptTimeout}\n{stdout}\n{stderr}");
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into) into.AppendLine(line);
        }
    }
}
