namespace KSpanActors.Ingest;

/// <summary>
/// What the decoder needs from metadata.managedFields: among the entries that touch f:spec at the top level the one
/// with the latest time (the later entry on a tie), and the latest time of any entry. Times in Unix nanoseconds.
/// </summary>
internal readonly record struct ManagedFieldsSummary(bool HasSpecEntry, string? SpecManager, string? SpecOperation, long SpecTimeNs, long LatestTimeNs)
{
    /// <summary>Folds in the next entry, in document order.</summary>
    public ManagedFieldsSummary Add(ManagedFieldsEntry entry) => Add(entry.TouchesSpec, entry.Manager, entry.Operation, entry.Time);

    /// <summary>Folds in the next entry, in document order, from its values.</summary>
    public ManagedFieldsSummary Add(bool touchesSpec, string? manager, string? operation, DateTime? time)
    {
        var ns = KubeDecoder.ToUnixNanosOrZero(time);
        var latest = Math.Max(LatestTimeNs, ns);
        return touchesSpec && (!HasSpecEntry || ns >= SpecTimeNs)
            ? new ManagedFieldsSummary(true, manager, operation, ns, latest)
            : this with { LatestTimeNs = latest };
    }
}
