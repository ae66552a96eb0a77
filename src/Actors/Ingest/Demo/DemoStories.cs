using System.Globalization;

namespace KSpanActors.Ingest.Demo;

/// <summary>
/// The stories the demo plays, each written into a <see cref="DemoStoryWriter"/> from its start time.
/// Every name and uid is derived from the seed, the cluster and the object's identity (never from a counter
/// shared between stories), so a story can be written alone and loop k of a story continues loop k-1's objects.
/// </summary>
internal static class DemoStories
{
    private const long Second = DemoDocuments.Second;
    private const string Scheduler = "default-scheduler";
    private const string Kubelet = "kubelet";

    /// <summary>
    /// Deployment <c>app-N</c>: in loop 0 created (generation 1), then rolled out; in loop k it continues with
    /// generations k*G+1..k*G+G, the first of them rolling out from the last ReplicaSet of loop k-1.
    /// </summary>
    public static void Deployment(DemoStoryWriter w, int number, int loop, long startNs, long createdNs)
    {
        var s = w.Scenario;
        var ns = "team-" + ((number - 1) % 3 + 1).ToString(CultureInfo.InvariantCulture);
        var name = "app-" + number.ToString(CultureInfo.InvariantCulture);
        var uid = w.Uid("deploy|" + ns + "|" + name);
        var replicas = s.Replicas;
        var firstGen = (long)loop * s.GenerationsPerDeployment + 1;
        var lastGen = firstGen + s.GenerationsPerDeployment - 1;
        var about = new DemoInvolved("Deployment", "apps/v1", ns, name, uid);
        List<DemoPod>? current = null;
        var currentCreated = 0L;
        long end = startNs;

        for (var gen = firstGen; gen <= lastGen; gen++)
        {
            var t = gen == firstGen ? startNs : end + w.Seconds(20, 60);
            var image = Image(ns, name, gen);
            var rs = ReplicaSetOf(uid, name, gen);
            var g = gen;
            w.Object(t, rv => DemoDocuments.Deployment(ns, name, uid, g, createdNs, t, t, replicas, image, g == 1 ? 0 : replicas, 0, rv));
            w.Object(t, rv => DemoDocuments.ReplicaSet(ns, rs.Name, rs.Uid, rs.Hash, name, uid, g, t, g == 1 ? replicas : 1, 0, image, rv));
            var newPods = new List<DemoPod>(replicas);
            if (gen == 1)
            {
                w.Event(t, about, "ScalingReplicaSet", $"Scaled up replica set {rs.Name} to {replicas}", "deployment-controller");
                end = t;
                for (var j = 1; j <= replicas; j++)
                {
                    var pod = CreateReplicaSetPod(w, ns, name, rs, image, j, t + w.Seconds(0, 1));
                    newPods.Add(pod);
                    end = Math.Max(end, StartPod(w, pod, s.ProbeFailuresPerPod));
                }
            }
            else
            {
                var old = ReplicaSetOf(uid, name, gen - 1);
                var step = t;
                for (var j = 1; j <= replicas; j++)
                {
                    w.Event(step, about, "ScalingReplicaSet", $"Scaled up replica set {rs.Name} to {j}", "deployment-controller");
                    var pod = CreateReplicaSetPod(w, ns, name, rs, image, j, step);
                    newPods.Add(pod);
                    var down = StartPod(w, pod, s.ProbeFailuresPerPod) + w.Seconds(0, 1);
                    w.Event(down, about, "ScalingReplicaSet", $"Scaled down replica set {old.Name} to {replicas - j}", "deployment-controller");
                    // Pods of the previous loop: their creation time is not known here, so no DELETED snapshot for them.
                    var oldPod = current?[j - 1] ?? ReplicaSetPod(w, ns, name, old, Image(ns, name, gen - 1), j, createdNs: 0);
                    DeletePod(w, oldPod, down, new DemoInvolved("ReplicaSet", "apps/v1", ns, old.Name, old.Uid), $"Deleted pod: {oldPod.Name}", "replicaset-controller", repeatKey: null);
                    step = down;
                }

                var oldImage = Image(ns, name, gen - 1);
                var oldCreated = currentCreated;
                if (oldCreated != 0) w.Object(step, rv => DemoDocuments.ReplicaSet(ns, old.Name, old.Uid, old.Hash, name, uid, g - 1, oldCreated, 0, 0, oldImage, rv));
                end = step;
            }

            var done = end + Second;
            w.Object(done, rv => DemoDocuments.ReplicaSet(ns, rs.Name, rs.Uid, rs.Hash, name, uid, g, t, replicas, replicas, image, rv));
            w.Object(done, rv => DemoDocuments.Deployment(ns, name, uid, g, createdNs, t, done, replicas, image, replicas, replicas, rv));
            end = done;
            current = newPods;
            currentCreated = t;
        }
    }

    /// <summary>Deployment <c>app-crashloop</c> in team-1: one pod per generation that starts and then crash-loops.</summary>
    public static void CrashLoop(DemoStoryWriter w, int loop, long startNs, long createdNs)
    {
        var s = w.Scenario;
        const string ns = "team-1", name = "app-crashloop";
        var uid = w.Uid("deploy|" + ns + "|" + name);
        var gen = (long)loop + 1;
        var t = startNs;
        var image = Image(ns, name, gen);
        var rs = ReplicaSetOf(uid, name, gen);
        var about = new DemoInvolved("Deployment", "apps/v1", ns, name, uid);
        w.Object(t, rv => DemoDocuments.Deployment(ns, name, uid, gen, createdNs, t, t, 1, image, 0, 0, rv));
        w.Object(t, rv => DemoDocuments.ReplicaSet(ns, rs.Name, rs.Uid, rs.Hash, name, uid, gen, t, 1, 0, image, rv));
        w.Event(t, about, "ScalingReplicaSet", $"Scaled up replica set {rs.Name} to 1", "deployment-controller");
        var pod = CreateReplicaSetPod(w, ns, name, rs, image, 1, t);
        var started = StartPod(w, pod, probeFailures: 0);
        if (gen > 1)
        {
            // The old ReplicaSet's pod was never available either, so the controller scales it down at once.
            var old = ReplicaSetOf(uid, name, gen - 1);
            var down = t + w.Seconds(0, 1);
            w.Event(down, about, "ScalingReplicaSet", $"Scaled down replica set {old.Name} to 0", "deployment-controller");
            var oldPod = ReplicaSetPod(w, ns, name, old, Image(ns, name, gen - 1), 1, createdNs: 0);
            DeletePod(w, oldPod, down, new DemoInvolved("ReplicaSet", "apps/v1", ns, old.Name, old.Uid), $"Deleted pod: {oldPod.Name}", "replicaset-controller", repeatKey: null);
        }

        var container = DemoInvolved.Of(pod, container: true);
        w.Event(started + 3 * Second, container, "Unhealthy", $"Liveness probe failed: Get \"http://{PodIp(pod)}:8080/healthz\": dial tcp {PodIp(pod)}:8080: connect: connection refused", Kubelet, pod.Node, "Warning");
        var message = $"Back-off restarting failed container app in pod {pod.Name}_{ns}({pod.Uid})";
        var at = started + 5 * Second;
        var first = 0L;
        for (var i = 1; i <= s.CrashLoopBackOffs; i++)
        {
            at += Math.Min(10L << Math.Min(i - 1, 5), 300) * Second; // kubelet doubles the back-off from 10 s up to 5 min
            if (first == 0) first = at;
            w.Event(at, container, "BackOff", message, Kubelet, pod.Node, "Warning", repeatKey: "backoff", count: i, firstNs: first);
        }

        var last = at;
        w.Object(last + Second, rv => DemoDocuments.Deployment(ns, name, uid, gen, createdNs, t, last + Second, 1, image, 0, 1, rv));
    }

    /// <summary>
    /// StatefulSet <c>web</c> in team-1: in loop 0 created with pod web-0, which is later deleted and recreated under the
    /// same name with a new uid; in loop k a new generation replaces web-0 once more.
    /// </summary>
    public static void StatefulSet(DemoStoryWriter w, int loop, long startNs, long createdNs)
    {
        const string ns = "team-1", name = "web";
        var uid = w.Uid("sts|" + ns + "|" + name);
        var gen = (long)loop + 1;
        var t = startNs;
        var image = Image(ns, name, gen);
        var about = new DemoInvolved("StatefulSet", "apps/v1", ns, name, uid);
        w.Object(t, rv => DemoDocuments.StatefulSet(ns, name, uid, gen, createdNs, t, t, image, gen == 1 ? 0 : 1, rv));
        var createMessage = $"create Pod {name}-0 in StatefulSet {name} successful";
        var createKey = "create|" + loop.ToString(CultureInfo.InvariantCulture); // the recorder aggregates the same message: count 2

        DemoPod doomed;
        long deleteAt;
        var firstCreate = 0L;
        if (loop == 0)
        {
            doomed = StatefulSetPod(w, ns, name, uid, image, incarnation: 0, t);
            w.Event(t, about, "SuccessfulCreate", createMessage, "statefulset-controller", repeatKey: createKey);
            firstCreate = t;
            w.Object(t, rv => DemoDocuments.Pod(doomed, null, null, rv));
            var ready = StartPod(w, doomed, probeFailures: 0);
            deleteAt = ready + w.Seconds(20, 40);
        }
        else
        {
            doomed = StatefulSetPod(w, ns, name, uid, Image(ns, name, gen - 1), incarnation: loop, createdNs: 0);
            deleteAt = t + w.Seconds(0, 1);
        }

        var gone = DeletePod(w, doomed, deleteAt, about, $"delete Pod {name}-0 in StatefulSet {name} successful", "statefulset-controller", repeatKey: "delete|" + loop.ToString(CultureInfo.InvariantCulture));
        var reborn = StatefulSetPod(w, ns, name, uid, image, incarnation: loop + 1, gone);
        w.Event(gone, about, "SuccessfulCreate", createMessage, "statefulset-controller", repeatKey: createKey, count: firstCreate == 0 ? 1 : 2, firstNs: firstCreate == 0 ? gone : firstCreate);
        w.Object(gone, rv => DemoDocuments.Pod(reborn, null, null, rv));
        var done = StartPod(w, reborn, probeFailures: 0) + Second;
        w.Object(done, rv => DemoDocuments.StatefulSet(ns, name, uid, gen, createdNs, t, done, image, 1, rv));
    }

    private static string Image(string ns, string name, long gen) =>
        string.Create(CultureInfo.InvariantCulture, $"registry.example.com/{ns}/{name}:1.{gen}.0");

    private static (string Name, string Uid, string Hash) ReplicaSetOf(string deploymentUid, string deployment, long gen)
    {
        var key = deploymentUid + "|rs|" + gen.ToString(CultureInfo.InvariantCulture);
        var hash = DemoIds.Suffix(key, 10);
        return (deployment + "-" + hash, DemoIds.Uid(key), hash);
    }

    private static DemoPod ReplicaSetPod(DemoStoryWriter w, string ns, string deployment, (string Name, string Uid, string Hash) rs, string image, int replica, long createdNs)
    {
        var key = rs.Uid + "|pod|" + replica.ToString(CultureInfo.InvariantCulture);
        var podUid = DemoIds.Uid(key);
        var labels = new Dictionary<string, string> { ["app"] = deployment, ["pod-template-hash"] = rs.Hash };
        return new DemoPod(ns, rs.Name + "-" + DemoIds.Suffix(key, 5), podUid, "ReplicaSet", rs.Name, rs.Uid, NodeOf(w, podUid), image, createdNs, labels);
    }

    private static DemoPod StatefulSetPod(DemoStoryWriter w, string ns, string sts, string stsUid, string image, int incarnation, long createdNs)
    {
        var podUid = DemoIds.Uid(stsUid + "|pod|0|" + incarnation.ToString(CultureInfo.InvariantCulture));
        var labels = new Dictionary<string, string> { ["app"] = sts, ["statefulset.kubernetes.io/pod-name"] = sts + "-0" };
        return new DemoPod(ns, sts + "-0", podUid, "StatefulSet", sts, stsUid, NodeOf(w, podUid), image, createdNs, labels);
    }

    private static string NodeOf(DemoStoryWriter w, string podUid) =>
        w.Cluster + "-worker-" + (1 + Convert.ToInt32(podUid[..2], 16) % 3).ToString(CultureInfo.InvariantCulture);

    private static string PodIp(DemoPod pod) =>
        string.Create(CultureInfo.InvariantCulture, $"10.244.{Convert.ToInt32(pod.Uid[2..4], 16)}.{Convert.ToInt32(pod.Uid[4..6], 16)}");

    private static DemoPod CreateReplicaSetPod(DemoStoryWriter w, string ns, string deployment, (string Name, string Uid, string Hash) rs, string image, int replica, long at)
    {
        var pod = ReplicaSetPod(w, ns, deployment, rs, image, replica, at);
        w.Event(at, new DemoInvolved("ReplicaSet", "apps/v1", ns, rs.Name, rs.Uid), "SuccessfulCreate", $"Created pod: {pod.Name}", "replicaset-controller");
        w.Object(at, rv => DemoDocuments.Pod(pod, null, null, rv));
        return pod;
    }

    /// <summary>Scheduling, image pull, container start and readiness-probe warnings; returns when the pod is ready.</summary>
    private static long StartPod(DemoStoryWriter w, DemoPod pod, int probeFailures)
    {
        var container = DemoInvolved.Of(pod, container: true);
        var scheduled = pod.CreatedNs + w.Seconds(0, 1);
        w.Event(scheduled, DemoInvolved.Of(pod), "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {pod.Node}", Scheduler);
        var pulling = scheduled + w.Seconds(0, 1);
        w.Event(pulling, container, "Pulling", $"Pulling image \"{pod.Image}\"", Kubelet, pod.Node);
        var pullSeconds = w.Next(1, 8);
        var pulled = pulling + pullSeconds * Second;
        var took = string.Create(CultureInfo.InvariantCulture, $"{pullSeconds - 1}.{w.Next(100, 999)}s");
        w.Event(pulled, container, "Pulled", $"Successfully pulled image \"{pod.Image}\" in {took} ({took} including waiting)", Kubelet, pod.Node);
        var created = pulled + w.Seconds(0, 1);
        w.Event(created, container, "Created", "Created container app", Kubelet, pod.Node);
        var started = created + w.Seconds(0, 1);
        w.Event(started, container, "Started", "Started container app", Kubelet, pod.Node);
        w.Object(started, rv => DemoDocuments.Pod(pod, started, null, rv));
        var first = started + 2 * Second;
        for (var i = 1; i <= probeFailures; i++)
        {
            w.Event(first + (i - 1) * 2 * Second, container, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", Kubelet, pod.Node, "Warning", repeatKey: "readiness", count: i, firstNs: first);
        }

        return started + (2L * probeFailures + 1) * Second;
    }

    /// <summary>The controller's delete, the kubelet's Killing and (when the pod's creation is known) its DELETED snapshot; returns when it is gone.</summary>
    private static long DeletePod(DemoStoryWriter w, DemoPod pod, long at, DemoInvolved controller, string message, string component, string? repeatKey)
    {
        w.Event(at, controller, "SuccessfulDelete", message, component, repeatKey: repeatKey);
        var killing = at + w.Seconds(0, 1);
        w.Event(killing, DemoInvolved.Of(pod, container: true), "Killing", "Stopping container app", Kubelet, pod.Node);
        var gone = killing + w.Seconds(1, 3);
        if (pod.CreatedNs != 0) w.Object(gone, rv => DemoDocuments.Pod(pod, pod.CreatedNs, gone, rv));
        return gone;
    }
}
