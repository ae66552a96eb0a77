namespace KSpanActors.Ingest.Demo;

/// <summary>
/// What the demo generator plays, per cluster (<c>demo-1</c>, <c>demo-2</c>...):
/// <list type="bullet">
/// <item><see cref="DeploymentsPerCluster"/> Deployments <c>app-N</c> in namespaces <c>team-K</c>, each created
/// (generation 1) and then rolled out <see cref="Rollouts"/> times (generations 2..Rollouts+1), each rollout a new
/// ReplicaSet replacing the old one pod by pod;</item>
/// <item>with <see cref="IncludeCrashLoop"/>, a Deployment <c>app-crashloop</c> whose single pod ends in
/// CrashLoopBackOff (<see cref="CrashLoopBackOffs"/> occurrences of one BackOff event);</item>
/// <item>with <see cref="IncludeStatefulSet"/>, a StatefulSet <c>web</c> whose pod <c>web-0</c> is deleted and recreated
/// under the same name with a new uid.</item>
/// </list>
/// </summary>
/// <param name="Clusters">Number of clusters, named demo-1, demo-2...</param>
/// <param name="DeploymentsPerCluster">Ordinary Deployments per cluster.</param>
/// <param name="Replicas">Replicas per Deployment.</param>
/// <param name="IncludeCrashLoop">One extra Deployment per cluster whose pod crash-loops.</param>
/// <param name="IncludeStatefulSet">A StatefulSet web with pod web-0 deleted and recreated.</param>
/// <param name="Rollouts">Rollouts per Deployment after its creation; each is a new generation.</param>
/// <param name="Start">When the first object is created; fixed by default so the output is deterministic.</param>
/// <param name="Seed">Drives uids and timing jitter; same scenario and seed give byte-identical output.</param>
/// <param name="ProbeFailuresPerPod">Readiness-probe warnings (one Unhealthy event, count 1..n) while each Deployment pod starts.</param>
/// <param name="CrashLoopBackOffs">Occurrences of the crash-looping pod's BackOff event.</param>
internal sealed record DemoScenario(
    int Clusters = 1,
    int DeploymentsPerCluster = 2,
    int Replicas = 2,
    bool IncludeCrashLoop = true,
    bool IncludeStatefulSet = true,
    int Rollouts = 1,
    DateTimeOffset? Start = null,
    int Seed = 1,
    int ProbeFailuresPerPod = 0,
    int CrashLoopBackOffs = 5)
{
    /// <summary>The default start, 2026-01-01T10:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The start actually used.</summary>
    public DateTimeOffset StartTime => Start ?? DefaultStart;

    /// <summary>Generations each ordinary Deployment goes through in one play of the scenario.</summary>
    public int GenerationsPerDeployment => Rollouts + 1;

    /// <summary>Event documents in one play of the scenario (exact: every occurrence of a repeated event counts).</summary>
    public long EstimatedEvents => (long)Clusters * (DeploymentsPerCluster * EventsPerDeployment(Replicas, Rollouts, ProbeFailuresPerPod) + ExtraEventsPerCluster);

    /// <summary>Distinct objects (uids of Deployments, StatefulSets, ReplicaSets and Pods) in one play (exact).</summary>
    public long EstimatedObjects => (long)Clusters * (DeploymentsPerCluster * ObjectsPerDeployment(Replicas, Rollouts) + ExtraObjectsPerCluster);

    private long ExtraEventsPerCluster =>
        (IncludeCrashLoop ? 1 + 6 + 1 + CrashLoopBackOffs : 0) // scale up, create + 5 pod events, Unhealthy, BackOffs
        + (IncludeStatefulSet ? 6 + 8 : 0); // create + 5, then delete, Killing, create + 5

    private long ExtraObjectsPerCluster => (IncludeCrashLoop ? 3 : 0) + (IncludeStatefulSet ? 3 : 0);

    private static long EventsPerDeployment(int replicas, int rollouts, int probeFailures) =>
        1 + (long)replicas * (6 + probeFailures) // creation: scale up, then per pod create + 5 kubelet/scheduler events
        + (long)rollouts * replicas * (10 + probeFailures); // per rollout step: up, create + 5, down, delete, Killing

    private static long ObjectsPerDeployment(int replicas, int rollouts) => 1 + (long)(rollouts + 1) * (replicas + 1);

    /// <summary>
    /// A one-cluster scenario whose play has about <paramref name="events"/> events across about <paramref name="objects"/>
    /// objects (within 10% for ratios between about 3 and 40 events per object), keeping the crash loop and the StatefulSet.
    /// </summary>
    public static DemoScenario ForScale(long events, long objects, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(objects, 1);
        DemoScenario? best = null;
        var bestScore = double.MaxValue;
        for (var replicas = 1; replicas <= 10; replicas++)
        for (var rollouts = 0; rollouts <= 10; rollouts++)
        for (var probes = 0; probes <= 40; probes++)
        {
            var perDeployment = ObjectsPerDeployment(replicas, rollouts);
            var deployments = (int)Math.Clamp(Math.Round((objects - 6.0) / perDeployment), 1, int.MaxValue);
            var candidate = new DemoScenario(DeploymentsPerCluster: deployments, Replicas: replicas, Rollouts: rollouts, ProbeFailuresPerPod: probes, Seed: seed);
            var score = Math.Max(
                    Math.Abs(candidate.EstimatedEvents - events) / (double)events,
                    Math.Abs(candidate.EstimatedObjects - objects) / (double)objects)
                + 0.002 * probes // among close fits, prefer few warnings,
                + 0.0005 * replicas * (rollouts + 1) // small stories (less held in memory),
                + (rollouts == 0 ? 0.01 : 0) + (replicas == 1 ? 0.01 : 0); // and rollouts that replace several pods
            if (score < bestScore)
            {
                bestScore = score;
                best = candidate;
            }
        }

        return best!;
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Clusters, 1, nameof(Clusters));
        ArgumentOutOfRangeException.ThrowIfNegative(DeploymentsPerCluster, nameof(DeploymentsPerCluster));
        ArgumentOutOfRangeException.ThrowIfLessThan(Replicas, 1, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfNegative(Rollouts, nameof(Rollouts));
        ArgumentOutOfRangeException.ThrowIfNegative(ProbeFailuresPerPod, nameof(ProbeFailuresPerPod));
        ArgumentOutOfRangeException.ThrowIfLessThan(CrashLoopBackOffs, 1, nameof(CrashLoopBackOffs));
    }
}
