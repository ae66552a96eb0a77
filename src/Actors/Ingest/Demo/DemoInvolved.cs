namespace KSpanActors.Ingest.Demo;

/// <summary>What an Event is about.</summary>
internal sealed record DemoInvolved(string Kind, string ApiVersion, string Namespace, string Name, string Uid, string? FieldPath = null)
{
    public static DemoInvolved Of(DemoPod pod, bool container = false) =>
        new("Pod", "v1", pod.Namespace, pod.Name, pod.Uid, container ? "spec.containers{app}" : null);
}
