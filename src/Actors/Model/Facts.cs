using System.Collections.Immutable;

namespace KSpanActors.Model;

/// <summary>
/// What a source (replay, watch, demo) knows about Kubernetes, as small immutable records.
/// KubernetesClient models never leave the source: they become one of these at the boundary.
/// Times are Unix nanoseconds (UTC); 0 means unknown.
/// </summary>
internal interface IFact
{
    string Cluster { get; }

    /// <summary>When this fact happened; replays feed facts in this order.</summary>
    long TimeNs { get; }
}

/// <summary>An ownerReferences entry.</summary>
internal sealed record OwnerRef(string Kind, string Name, string Uid, bool Controller);

/// <summary>A snapshot of an object (list, watch ADDED/MODIFIED, capture document).</summary>
/// <param name="Generation">metadata.generation, 1 when the kind has none.</param>
/// <param name="SpecManager">manager of the latest managedFields entry that touches f:spec, null when none.</param>
/// <param name="SpecOperation">operation of that entry (Update, Apply).</param>
/// <param name="SpecTimeNs">time of that entry, 0 when none.</param>
/// <param name="ResourceVersion">metadata.resourceVersion as a number when it is one, else 0.</param>
internal sealed record ObjectObserved(
    string Cluster,
    string Uid,
    string Kind,
    string Namespace,
    string Name,
    long Generation,
    long CreatedNs,
    ImmutableArray<OwnerRef> Owners,
    string? SpecManager,
    string? SpecOperation,
    long SpecTimeNs,
    long ResourceVersion) : IFact
{
    public long TimeNs => Math.Max(CreatedNs, SpecTimeNs);

    /// <summary>The owner that counts: the controller reference, else the first one.</summary>
    public OwnerRef? Owner
    {
        get
        {
            if (Owners.IsDefaultOrEmpty) return null;
            foreach (var o in Owners)
            {
                if (o.Controller) return o;
            }
            return Owners[0];
        }
    }
}

/// <summary>An object was deleted (watch DELETED).</summary>
internal sealed record ObjectDeleted(string Cluster, string Uid, string Kind, string Namespace, string Name, long TimeNs) : IFact;

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
/// 0 when unset. Only the first occurrence seen of an event uses it (TRACE_MODEL.md, "Length").</param>
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
    long FirstNs = 0) : IFact;
