using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace KSpanActors.Bench;

/// <summary>
/// After a warm-up: waits until the JIT has compiled no method for a while. The methods a warm-up made hot are compiled
/// to their final tier by a background thread, which was still busy (a quarter of a core) for the first seconds of the
/// timed watch pass: the timed run is meant to measure the code a long-running kspan-actors runs.
/// </summary>
internal static class JitQuiet
{
    public static async Task<string> WaitAsync(TimeSpan quiet, TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        var start = JitInfo.GetCompiledMethodCount();
        var last = start;
        var lastChange = TimeSpan.Zero;
        while (sw.Elapsed < max)
        {
            await Task.Delay(100);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != last) (last, lastChange) = (now, sw.Elapsed);
            else if (sw.Elapsed - lastChange >= quiet) break;
        }
        var done = sw.Elapsed - lastChange >= quiet;
        return string.Create(CultureInfo.InvariantCulture,
            $"JIT {(done ? "quiet" : "still compiling")} after {sw.Elapsed.TotalSeconds:N1} s ({last - start:N0} methods compiled meanwhile)");
    }
}

/// <summary>What the JIT compiled from one moment on (a timed run's share): <see cref="Start"/>, then <see cref="Elapsed"/>.</summary>
internal readonly record struct JitWork(long Methods, TimeSpan Time)
{
    public static JitWork Start() => new(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

    /// <summary>Methods compiled and JIT time spent since this snapshot.</summary>
    public JitWork Elapsed() => new(JitInfo.GetCompiledMethodCount() - Methods, JitInfo.GetCompilationTime() - Time);
}
