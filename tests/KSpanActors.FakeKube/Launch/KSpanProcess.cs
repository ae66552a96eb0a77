using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace KSpanActors.Tests.Launch;

/// <summary>
/// One run of the published kspan-actors binary as an OS process, for the process tests and the benchmark: its
/// arguments, its environment (only what is given, plus the machine's own, without any inherited KSpan__* / OTEL_* /
/// KUBECONFIG or .NET GC tuning: an operator's environment), its stdout and stderr in one log file (written by the
/// process itself through the shell's redirection, so a slow reader never blocks it), signals, exit, and what
/// /proc says of its CPU and memory.
/// </summary>
public sealed partial class KSpanProcess : IDisposable
{
    private static readonly long ClockTicks = Math.Max(1, SysConf(2 /* _SC_CLK_TCK */));

    private readonly Process _process;
    private DateTime? _signalledAt;
    private DateTime? _exitedAt;

    private KSpanProcess(Process process, string logPath, string name, DateTime startedAt)
    {
        _process = process;
        LogPath = logPath;
        Name = name;
        StartedAt = startedAt;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _exitedAt ??= DateTime.UtcNow;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public DateTime StartedAt { get; }

    /// <summary>The last signal sent (UTC), or null.</summary>
    public DateTime? SignalledAt => _signalledAt;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once exited (128 + signal when a signal ended it), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>From the last signal to the exit, once both happened.</summary>
    public TimeSpan? ExitAfterSignal => _signalledAt is { } s && _process.HasExited && _exitedAt is { } e ? e - s : null;

    /// <summary>Starts <paramref name="binary"/> (an apphost, or a .dll run with dotnet) with <paramref name="args"/> in
    /// <paramref name="workDir"/>, logging to <paramref name="logPath"/> (appended).</summary>
    public static KSpanProcess Start(string name, string binary, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workDir, string logPath)
    {
        Directory.CreateDirectory(workDir);
        File.AppendAllText(logPath, $"---- {DateTime.UtcNow:O} start {name}: {binary} {string.Join(' ', args)}\n");
        // sh only to redirect both streams to the file, then exec: the pid is kspan-actors' own, signals reach it directly.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workDir };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(logPath);
        if (binary.EndsWith(".dll", StringComparison.Ordinal)) start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(binary);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("KSpan__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("OTEL_", StringComparison.Ordinal) || key == "KUBECONFIG"
                || key.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        foreach (var (k, v) in environment) start.Environment[k] = v;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: {binary} did not start");
        return new KSpanProcess(process, logPath, name, DateTime.UtcNow);
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void Kill9() => Signal(9);

    /// <summary>SIGTERM, what Kubernetes sends a pod it stops.</summary>
    public void Terminate() => Signal(15);

    /// <summary>SIGINT, Ctrl+C in a terminal.</summary>
    public void Interrupt() => Signal(2);

    public void Signal(int signal)
    {
        if (_process.HasExited) throw new InvalidOperationException($"{Name} (pid {Pid}) already exited with {_process.ExitCode}; cannot send signal {signal}\n{LogTail()}");
        _signalledAt = DateTime.UtcNow;
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({Pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits at most <paramref name="timeout"/> for the exit; returns the exit code, or null if still running.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        _exitedAt ??= DateTime.UtcNow;
        return _process.ExitCode;
    }

    /// <summary>utime + stime of the process so far (its threads; it has no children), NaN once it is gone.</summary>
    public double CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / (double)ClockTicks;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>Resident memory now (bytes), 0 once it is gone.</summary>
    public long RssBytes() => ProcStatus("VmRSS:");

    /// <summary>Peak resident memory so far (bytes), 0 once it is gone.</summary>
    public long PeakRssBytes() => ProcStatus("VmHWM:");

    private long ProcStatus(string key)
    {
        try
        {
            var line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The log lines that are warnings, errors or exceptions.</summary>
    public IReadOnlyList<string> LogProblems() =>
        [.. Log().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal)
            || l.Contains(" crit: ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal))];

    /// <summary>The whole log (empty if none yet).</summary>
    public string Log()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>The last log lines, for assertion messages.</summary>
    public string LogTail(int lines = 25)
    {
        var all = Log().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return $"---- last {Math.Min(lines, all.Length)} lines of {Name}'s log ({LogPath}):\n" + string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>The last non-empty line of the log.</summary>
    public string LastLogLine() => Log().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
