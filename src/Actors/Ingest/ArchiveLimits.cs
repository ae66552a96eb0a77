namespace KSpanActors.Ingest;

/// <summary>Bounds on what an archive may make the reader hold: one entry's size, and the total of the entries read.</summary>
/// <param name="MaxEntryBytes">An entry larger than this (uncompressed) is reported and passed over.</param>
/// <param name="MaxTotalBytes">Once the entries read add up to this, the rest of the archive is reported and left.</param>
internal sealed record ArchiveLimits(long MaxEntryBytes, long MaxTotalBytes)
{
    /// <summary>512 MiB per file (the Events of a large must-gather are tens of MB), 16 GiB in all.</summary>
    public static readonly ArchiveLimits Default = new(512L << 20, 16L << 30);
}
