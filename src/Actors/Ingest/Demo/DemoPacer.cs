using System.Runtime.CompilerServices;

namespace KSpanActors.Ingest.Demo;

/// <summary>Plays the demo scenario as a live source, over and over until cancelled.</summary>
internal static class DemoPacer
{
    /// <summary>Gap between the last document of one play and the start of the next, when times are not rebased.</summary>
    public static readonly TimeSpan LoopGap = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The scenario, paced: Event documents go out at most <paramref name="eventsPerSecond"/> (object snapshots go out
    /// with the next event, unpaced). Each play after the first is loop k of the generator: the same Deployments,
    /// StatefulSet and crash loop with new generations, so new ReplicaSets, pods and event uids.
    /// <para>
    /// <paramref name="rebaseTimesToNow"/> false: times are the scenario's own (from <see cref="DemoScenario.StartTime"/>,
    /// each play <see cref="LoopGap"/> after the previous one), whatever the wall clock says.
    /// True: the first play starts at the current second and each later play at the current second (or just after the previous
    /// play, if later); a document is never emitted before its time comes, so the stream behaves like a live cluster and
    /// <paramref name="eventsPerSecond"/> only caps bursts. Times stay non-decreasing across plays in both modes.
    /// </para>
    /// </summary>
    public static IAsyncEnumerable<DemoItem> StreamAsync(DemoScenario s, double eventsPerSecond, bool rebaseTimesToNow, CancellationToken ct = default) =>
        StreamAsync(s, eventsPerSecond, rebaseTimesToNow, TimeProvider.System, ct);

    /// <summary>As above, on the given clock.</summary>
    public static IAsyncEnumerable<DemoItem> StreamAsync(DemoScenario s, double eventsPerSecond, bool rebaseTimesToNow, TimeProvider clock, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerSecond);
        s.Validate();
        return Play(s, eventsPerSecond, rebaseTimesToNow, clock, ct);
    }

    private static async IAsyncEnumerable<DemoItem> Play(
        DemoScenario s,
        double eventsPerSecond,
        bool rebaseTimesToNow,
        TimeProvider clock,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var scenario = rebaseTimesToNow ? s with { Start = WholeSecond(clock.GetUtcNow()) } : s;
        var loopStart = DemoDocuments.ToNs(scenario.StartTime);
        var began = clock.GetTimestamp();
        long events = 0;
        for (var loop = 0; ; loop++)
        {
            var last = loopStart;
            foreach (var item in DemoGenerator.Generate(scenario, loop, loopStart))
            {
                ct.ThrowIfCancellationRequested();
                if (item.IsEvent)
                {
                    var wait = TimeSpan.FromSeconds(events / eventsPerSecond) - clock.GetElapsedTime(began);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, ct);
                    events++;
                }

                if (rebaseTimesToNow)
                {
                    var ahead = item.TimeNs - DemoDocuments.ToNs(clock.GetUtcNow());
                    if (ahead > 0) await Task.Delay(TimeSpan.FromTicks(ahead / 100), clock, ct);
                }

                last = item.TimeNs;
                yield return item;
            }

            loopStart = rebaseTimesToNow
                ? Math.Max(DemoDocuments.ToNs(WholeSecond(clock.GetUtcNow())), last + DemoDocuments.Second)
                : last + DemoDocuments.ToNs(DateTimeOffset.UnixEpoch + LoopGap);
        }
    }

    private static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
