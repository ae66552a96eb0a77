using System.Formats.Tar;
using System.IO.Compression;

namespace KSpanActors.Ingest;

/// <summary>
/// Reads the JSON and YAML files of a support bundle packed as <c>.tar.gz</c>/<c>.tgz</c>, <c>.tar</c> or <c>.zip</c>,
/// streamed entry by entry (System.Formats.Tar over GZipStream, or System.IO.Compression's ZipArchive): nothing is
/// unpacked to disk. Entries are read in archive order; other entries (logs, nested archives, links, folders) are passed
/// over without being held. An entry whose path leaves the archive (<c>..</c>, an absolute path) or that is larger
/// than <see cref="ArchiveLimits.MaxEntryBytes"/> is reported and passed over; a broken archive is reported and what
/// came before the break is kept.
/// </summary>
internal static class ArchiveReader
{
    /// <summary>The archive kind a file name says, null for any other file.</summary>
    public static ArchiveKind? Kind(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)) return ArchiveKind.TarGz;
        if (name.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)) return ArchiveKind.Tar;
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return ArchiveKind.Zip;
        return null;
    }

    public static IEnumerable<SourceDocument> Read(string path, ArchiveKind kind, Sink sink, ArchiveLimits limits)
    {
        var archive = Path.GetFileName(path);
        var files = kind == ArchiveKind.Zip ? ZipFiles(path, archive, sink, limits) : TarFiles(path, archive, kind == ArchiveKind.TarGz, sink, limits);
        foreach (var (name, bytes) in files)
        {
            foreach (var doc in InputReader.ReadContent(bytes, $"{archive}/{name}", sink)) yield return doc;
        }
    }

    private static IEnumerable<(string Name, byte[] Bytes)> TarFiles(string path, string archive, bool gzip, Sink sink, ArchiveLimits limits)
    {
        var file = Open(path, archive, sink);
        if (file is null) yield break;
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var tar = new TarReader(stream);
        var budget = new Budget(limits);
        while (true)
        {
            var next = NextTarFile(tar, archive, sink, budget);
            if (next is null) yield break;
            if (next.Value.Bytes is { } bytes) yield return (next.Value.Name, bytes);
        }
    }

    /// <summary>The next entry: its bytes when it is a file to read, null bytes when it is passed over, null at the end (or a break, reported).</summary>
    private static (string Name, byte[]? Bytes)? NextTarFile(TarReader tar, string archive, Sink sink, Budget budget)
    {
        try
        {
            var entry = tar.GetNextEntry();
            if (entry is null) return null;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) return (entry.Name, null);
            var name = Accept(entry.Name, entry.Length, archive, sink, budget);
            if (name is null || entry.DataStream is null) return (entry.Name, null);
            return budget.Take(entry.Length, archive, sink) ? (name, ReadExactly(entry.DataStream, entry.Length)) : null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or ArgumentException)
        {
            sink.OnProblem(new InputProblem(archive, $"broken archive: {TextLine.Of(e.Message)}"));
            return null;
        }
    }

    private static IEnumerable<(string Name, byte[] Bytes)> ZipFiles(string path, string archive, Sink sink, ArchiveLimits limits)
    {
        var file = Open(path, archive, sink);
        if (file is null) yield break;
        using var stream = file;
        using var zip = OpenZip(file, archive, sink);
        if (zip is null) yield break;
        var budget = new Budget(limits);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/')) continue; // a folder
            var name = Accept(entry.FullName, entry.Length, archive, sink, budget);
            if (name is null) continue;
            if (!budget.Take(entry.Length, archive, sink)) yield break;
            var bytes = ReadZipEntry(entry, archive, sink);
            if (bytes is not null) yield return (name, bytes);
        }
    }

    private static ZipArchive? OpenZip(FileStream file, string archive, Sink sink)
    {
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            sink.OnProblem(new InputProblem(archive, $"broken archive: {TextLine.Of(e.Message)}"));
            return null;
        }
    }

    private static byte[]? ReadZipEntry(ZipArchiveEntry entry, string archive, Sink sink)
    {
        try
        {
            using var data = entry.Open();
            // The declared length was checked against the bound; an entry that inflates to more than it declared is broken.
            var bytes = ReadExactly(data, entry.Length);
            if (data.ReadByte() >= 0) throw new InvalidDataException($"more data than the {entry.Length} bytes declared");
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            sink.OnProblem(new InputProblem($"{archive}/{entry.FullName}", $"unreadable archive entry: {TextLine.Of(e.Message)}"));
            return null;
        }
    }

    /// <summary>
    /// The entry's path inside the archive when it is to be read (a JSON or YAML file, inside the archive, within the
    /// size bound), else null; an unsafe or oversized one is reported.
    /// </summary>
    private static string? Accept(string entryName, long length, string archive, Sink sink, Budget budget)
    {
        var name = entryName.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        if (!InputReader.IsReadable(name)) return null;
        if (name.StartsWith('/') || name.Contains(':', StringComparison.Ordinal) || name.Split('/').Contains(".."))
        {
            sink.OnProblem(new InputProblem($"{archive}/{entryName}", "path leaves the archive: passed over"));
            return null;
        }
        if (length > budget.Limits.MaxEntryBytes || length < 0)
        {
            sink.OnProblem(new InputProblem($"{archive}/{name}", $"{length} bytes, more than the {budget.Limits.MaxEntryBytes} read from one archive entry: passed over"));
            return null;
        }
        return name;
    }

    private static FileStream? Open(string path, string archive, Sink sink)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sink.OnProblem(new InputProblem(archive, $"cannot read file: {TextLine.Of(e.Message)}"));
            return null;
        }
    }

    private static byte[] ReadExactly(Stream stream, long length)
    {
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The bytes the archive has made the reader hold so far, against <see cref="ArchiveLimits.MaxTotalBytes"/>.</summary>
    private sealed class Budget(ArchiveLimits limits)
    {
        private long _taken;

        public ArchiveLimits Limits => limits;

        /// <summary>Counts an entry about to be read; false (reported once) when it would pass the total.</summary>
        public bool Take(long length, string archive, Sink sink)
        {
            if (_taken + length <= limits.MaxTotalBytes)
            {
                _taken += length;
                return true;
            }
            sink.OnProblem(new InputProblem(archive, $"more than {limits.MaxTotalBytes} bytes of JSON and YAML: the rest of the archive is not read"));
            return false;
        }
    }
}
