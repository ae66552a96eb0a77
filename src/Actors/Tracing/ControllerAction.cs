namespace KSpanActors.Tracing;

/// <summary>"Scaled up replica set R to 3", "Created pod: P", "delete Pod web-0 in StatefulSet web successful".</summary>
/// <param name="TargetKind">Kind of the object acted on (ReplicaSet, Pod, Job).</param>
/// <param name="Replicas">N of a scaling event, else -1.</param>
internal readonly record struct ControllerAction(ActionDirection Direction, string TargetKind, string TargetName, int Replicas);
