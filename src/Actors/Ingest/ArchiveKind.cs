namespace KSpanActors.Ingest;

/// <summary>The kinds of archive <see cref="ArchiveReader"/> reads.</summary>
internal enum ArchiveKind
{
    Tar,
    TarGz,
    Zip,
}
