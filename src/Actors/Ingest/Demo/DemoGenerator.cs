using System.Globalization;

namespace KSpanActors.Ingest.Demo;

/// <summary>
/// Generates realistic Kubernetes activity as the JSON documents a cluster would show (object snapshots and core/v1
/// Events), lazily.
/// <para>
/// Ordering and memory: each story (one Deployment's generations, the crash loop, the StatefulSet) is written whole
/// (a few hundred documents at most) when the output reaches its start time, sorted, and merged with the other
/// stories in progress through a priority queue. Stories start <see cref="StaggerSeconds"/> apart (plus jitter), so only
/// the stories overlapping in time are held: memory depends on story length, never on the number of stories or events.
/// The output is in exact non-decreasing <see cref="DemoItem.TimeNs"/> order (no reorder bound needed); equal times
/// keep causal order within a story and story order between stories.
/// </para>
/// </summary>
internal static class DemoGenerator
{
    /// <summary>Seconds between the starts of consecutive stories of one cluster (each start adds 0..3 s of jitter).</summary>
    public const int StaggerSeconds = 4;

    /// <summary>One play of the scenario from <see cref="DemoScenario.StartTime"/>.</summary>
    public static IEnumerable<DemoItem> Generate(DemoScenario s) => Generate(s, 0, DemoDocuments.ToNs(s.StartTime));

    /// <summary>
    /// Play number <paramref name="loop"/> of the scenario, starting at <paramref name="loopStartNs"/> (after the previous
    /// play ended): the same Deployments, StatefulSet and crash loop go through new generations, with new ReplicaSets,
    /// pods and events.
    /// </summary>
    internal static IEnumerable<DemoItem> Generate(DemoScenario s, int loop, long loopStartNs)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(loop);
        return Merge(s, loop, loopStartNs);
    }

    private static IEnumerable<DemoItem> Merge(DemoScenario s, int loop, long loopStartNs)
    {
        var active = new PriorityQueue<IEnumerator<DemoItem>, (long TimeNs, long Ordinal)>();
        long ordinal = 0;
        using var plans = Plans(s, loopStartNs).GetEnumerator();
        var hasPlan = plans.MoveNext();
        while (true)
        {
            // Admit every story that starts no later than the earliest pending document: its documents are all at or after its start.
            while (hasPlan && (!active.TryPeek(out _, out var head) || plans.Current.StartNs <= head.TimeNs))
            {
                var story = Write(s, loop, plans.Current).GetEnumerator();
                if (story.MoveNext()) active.Enqueue(story, (story.Current.TimeNs, ordinal++));
                hasPlan = plans.MoveNext();
            }

            if (!active.TryDequeue(out var next, out var priority)) yield break;
            yield return next.Current;
            if (next.MoveNext()) active.Enqueue(next, (next.Current.TimeNs, priority.Ordinal));
        }
    }

    private enum StoryKind
    {
        StatefulSet,
        CrashLoop,
        Deployment,
    }

    private sealed record StoryPlan(string Cluster, int Index, StoryKind Kind, int Number, long StartNs, long CreatedNs);

    /// <summary>All stories of this play, in non-decreasing start order, lazily.</summary>
    private static IEnumerable<StoryPlan> Plans(DemoScenario s, long loopStartNs)
    {
        var firstCreatedNs = DemoDocuments.ToNs(s.StartTime);
        var extras = (s.IncludeStatefulSet ? 1 : 0) + (s.IncludeCrashLoop ? 1 : 0);
        var perCluster = extras + s.DeploymentsPerCluster;
        var batch = new List<StoryPlan>(s.Clusters);
        for (var i = 0; i < perCluster; i++)
        {
            // Story i of every cluster starts in [i*stagger, (i+1)*stagger): sorting one index's batch keeps the order global.
            batch.Clear();
            for (var c = 1; c <= s.Clusters; c++)
            {
                var cluster = ClusterName(c);
                var kind = i switch
                {
                    0 when s.IncludeStatefulSet => StoryKind.StatefulSet,
                    _ when i < extras => StoryKind.CrashLoop,
                    _ => StoryKind.Deployment,
                };
                var jitter = new DemoRng(DemoIds.Seed(Key(s, cluster, "offset", i))).Next(0, StaggerSeconds - 1);
                var offset = ((long)i * StaggerSeconds + jitter) * DemoDocuments.Second;
                batch.Add(new StoryPlan(cluster, i, kind, i - extras + 1, loopStartNs + offset, firstCreatedNs + offset));
            }

            batch.Sort(static (a, b) => a.StartNs != b.StartNs ? a.StartNs.CompareTo(b.StartNs) : string.CompareOrdinal(a.Cluster, b.Cluster));
            foreach (var plan in batch) yield return plan;
        }
    }

    private static List<DemoItem> Write(DemoScenario s, int loop, StoryPlan plan)
    {
        var rng = new DemoRng(DemoIds.Seed(Key(s, plan.Cluster, "story|" + loop.ToString(CultureInfo.InvariantCulture), plan.Index)));
        var w = new DemoStoryWriter(s, plan.Cluster, rng);
        switch (plan.Kind)
        {
            case StoryKind.StatefulSet:
                DemoStories.StatefulSet(w, loop, plan.StartNs, plan.CreatedNs);
                break;
            case StoryKind.CrashLoop:
                DemoStories.CrashLoop(w, loop, plan.StartNs, plan.CreatedNs);
                break;
            default:
                DemoStories.Deployment(w, plan.Number, loop, plan.StartNs, plan.CreatedNs);
                break;
        }

        return w.Finish();
    }

    public static string ClusterName(int index) => "demo-" + index.ToString(CultureInfo.InvariantCulture);

    private static string Key(DemoScenario s, string cluster, string what, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Seed}|{cluster}|{what}|{index}");
}
