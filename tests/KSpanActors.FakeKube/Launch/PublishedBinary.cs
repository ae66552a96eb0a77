using System.Diagnostics;
using System.Text;

namespace KSpanActors.Tests.Launch;

/// <summary>
/// The kspan-actors executable the process tests and the benchmark start: <c>dotnet publish src/Host -c Release</c>
/// into a temporary folder, once per process (every caller awaits the same task), or the binary KSPAN_BIN (or the
/// benchmark's --kspan-bin) names (a published folder, its kspan-actors apphost or its kspan-actors.dll), to skip the publish.
/// </summary>
public static class PublishedBinary
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(6);
    private static readonly Lazy<Task<string>> Path_ = new(ResolveAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The executable (or .dll) to start.</summary>
    public static Task<string> PathAsync() => Path_.Value;

    /// <summary>The executable (or .dll) to start: <paramref name="given"/> when set (see <see cref="Locate"/>), else as <see cref="PathAsync()"/>.</summary>
    public static Task<string> PathAsync(string? given) => given is { Length: > 0 } ? Task.FromResult(Locate(given, "--kspan-bin")) : PathAsync();

    /// <summary>A published kspan-actors: <paramref name="given"/> is its folder, its apphost or its .dll (full path returned).</summary>
    public static string Locate(string given, string source = "KSPAN_BIN")
    {
        var candidates = Directory.Exists(given) ? new[] { Path.Combine(given, "kspan-actors"), Path.Combine(given, "kspan-actors.dll") } : [given];
        return Path.GetFullPath(candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"{source} {given}: no kspan-actors executable there"));
    }

    /// <summary>The folder holding KSpanActors.sln, above the working directory or the running binaries.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "KSpanActors.sln"))) return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no KSpanActors.sln above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}");
    }

    private static async Task<string> ResolveAsync()
    {
        if (Environment.GetEnvironmentVariable("KSPAN_BIN") is { Length: > 0 } given) return Locate(given);

        var output = Path.Combine(Path.GetTempPath(), $"kspan-fleet-bin-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        // the publish is this run's own: gone with the test process
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot(),
        };
        foreach (var a in new[] { "publish", "src/Host/KSpanActors.Host.csproj", "-c", "Release", "-o", output, "--nologo", "-v", "quiet", "-nodeReuse:false" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start");
        var log = new StringBuilder();
        var reading = Task.WhenAll(CopyAsync(process.StandardOutput, log), CopyAsync(process.StandardError, log));
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish src/Host did not finish within {PublishTimeout}\n{log}");
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        var binary = Path.Combine(output, "kspan-actors");
        if (process.ExitCode != 0 || !File.Exists(binary)) throw new InvalidOperationException($"dotnet publish src/Host failed (exit {process.ExitCode})\n{log}");
        return binary;
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into) into.AppendLine(line);
        }
    }
}
