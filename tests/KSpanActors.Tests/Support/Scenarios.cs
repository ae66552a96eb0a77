using KSpanActors.Model;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Support;

/// <summary>Hand-written Kubernetes stories as facts, with the parent each event span must get.</summary>
internal static class Scenarios
{
    /// <summary>
    /// Deployment web (generation 2) rolls from ReplicaSet web-old to web-new: two pods up, two down; pod web-old-y is
    /// already gone (only its Killing event remains).
    /// </summary>
    public static (List<IFact> Facts, Dictionary<string, string> Parents) Rollout()
    {
        var dep = Owner("Deployment", "web", "dep");
        var rsNew = Owner("ReplicaSet", "web-new", "rs-new");
        var rsOld = Owner("ReplicaSet", "web-old", "rs-old");
        var facts = new List<IFact>
        {
            Obj("dep", "Deployment", "web", "09:00:00", generation: 2, manager: "kubectl-client-side-apply", specTime: "10:00:00"),
            Obj("rs-new", "ReplicaSet", "web-new", "10:00:00", dep),
            Obj("rs-old", "ReplicaSet", "web-old", "09:00:00", dep),
            Obj("p-new-a", "Pod", "web-new-a", "10:00:00", rsNew),
            Obj("p-new-b", "Pod", "web-new-b", "10:00:07", rsNew),
            Obj("p-old-x", "Pod", "web-old-x", "09:00:01", rsOld),
            Ev("e1", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-new to 1", "10:00:00", "deployment-controller"),
            Ev("e2", "ReplicaSet", "web-new", "rs-new", "SuccessfulCreate", "Created pod: web-new-a", "10:00:00", "replicaset-controller"),
            Ev("e3", "Pod", "web-new-a", "p-new-a", "Scheduled", "Successfully assigned default/web-new-a to node-1", "10:00:00", "default-scheduler"),
            Ev("e4", "Pod", "web-new-a", "p-new-a", "Pulling", "Pulling image \"web:2\"", "10:00:01", "kubelet", fieldPath: "spec.containers{app}"),
            Ev("e5", "Pod", "web-new-a", "p-new-a", "Pulled", "Successfully pulled image \"web:2\" in 5s", "10:00:06", "kubelet", fieldPath: "spec.containers{app}"),
            Ev("e6", "Pod", "web-new-a", "p-new-a", "Created", "Created container app", "10:00:06", "kubelet", fieldPath: "spec.containers{app}"),
            Ev("e7", "Pod", "web-new-a", "p-new-a", "Started", "Started container app", "10:00:07", "kubelet", fieldPath: "spec.containers{app}"),
            Ev("e8", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled down replica set web-old to 1", "10:00:07", "deployment-controller"),
            Ev("e9", "ReplicaSet", "web-old", "rs-old", "SuccessfulDelete", "Deleted pod: web-old-y", "10:00:07", "replicaset-controller"),
            Ev("e10", "Pod", "web-old-y", "p-old-y", "Killing", "Stopping container app", "10:00:07", "kubelet", fieldPath: "spec.containers{app}"),
            Ev("e11", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled up replica set web-new to 2", "10:00:07", "deployment-controller"),
            Ev("e12", "ReplicaSet", "web-new", "rs-new", "SuccessfulCreate", "Created pod: web-new-b", "10:00:07", "replicaset-controller"),
            Ev("e13", "Pod", "web-new-b", "p-new-b", "Scheduled", "Successfully assigned default/web-new-b to node-2", "10:00:08", "default-scheduler"),
            Ev("e14", "Deployment", "web", "dep", "ScalingReplicaSet", "Scaled down replica set web-old to 0", "10:00:09", "deployment-controller"),
            Ev("e15", "ReplicaSet", "web-old", "rs-old", "SuccessfulDelete", "Deleted pod: web-old-x", "10:00:09", "replicaset-controller"),
            Ev("e16", "Pod", "web-old-x", "p-old-x", "Killing", "Stopping container app", "10:00:09", "kubelet", fieldPath: "spec.containers{app}"),
        };
        var parents = new Dictionary<string, string>
        {
            ["e1"] = "ROOT", ["e2"] = "e1", ["e3"] = "e2", ["e4"] = "e2", ["e5"] = "e2", ["e6"] = "e2", ["e7"] = "e2",
            ["e8"] = "ROOT", ["e9"] = "e8", ["e10"] = "e9", ["e11"] = "ROOT", ["e12"] = "e11", ["e13"] = "e12",
            ["e14"] = "ROOT", ["e15"] = "e14", ["e16"] = "e15",
        };
        return (facts, parents);
    }
}
