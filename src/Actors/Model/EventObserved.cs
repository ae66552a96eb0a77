namespace KSpanActors.Model;

/// <summary>One observed occurrence of a Kubernetes Event (core/v1 or events.k8s.io/v1).</summary>
/// <param name="EventUid">metadata.uid of the Event.</param>
/// <param name="Count">series.count, else count, else 1: with EventUid it names the occurrence.</param>
/// <param name="TimeNs">series.lastObservedTime, else lastTimestamp, else eventTime, else metadata.creationTimestamp.</param>
/// <param name="Kind">involvedObject (regarding) kind.</param>
/// <param name="ObjectUid">involvedObject uid, null when the reporter left it out (Flux).</param>
/// <param name="Service">reportingController / reportingComponent, else source.component.</param>
/// <param name="Instance">reportingInstance, else source.host.</param>
/// <param name="TopLevelSpan">the event carries the annotation topLevelSpan: "true".</param>
/// <param name="FirstNs">when the repeats counted in <paramref name="Count"/> began: the series' eventTime, else firstTimestamp;
/// 0 when unset. Only the first occurrence seen of an event uses it (docs/trace-model.md, "Length").</param>
internal sealed record EventObserved(
    string Cluster,
    string EventUid,
    long Count,
    long TimeNs,
    string Reason,
    string Message,
    bool Warning,
    string Kind,
    string Namespace,
    string Name,
    string? ObjectUid,
    string? FieldPath,
    string Service,
    string? Instance,
    bool TopLevelSpan,
    long FirstNs = 0) : IFact
{
    /// <summary>The uid as the fact holds it: 16 bytes for a canonical UUID (<see cref="CompactUid"/>). Equality, hashes and ids use it.</summary>
    public CompactUid Uid { get; init; } = CompactUid.Of(EventUid);

    /// <summary>metadata.uid of the Event as text (made anew for a packed uid: where it is needed often, <see cref="Uid"/>).</summary>
    public string EventUid
    {
        get => Uid.ToString();
        init => Uid = CompactUid.Of(value);
    }
}
