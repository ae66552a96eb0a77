using System.Collections.Immutable;

namespace KSpanActors.Model;

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
