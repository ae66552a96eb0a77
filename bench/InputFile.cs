using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;

namespace KSpanActors.Bench;

/// <summary>One input document as a source hands it on: its cluster and the SourceDocument (JSON bytes).</summary>
internal readonly record struct InputDoc(string Cluster, SourceDocument Document)
{
    public bool IsEvent => string.Equals(Document.Kind, "Event", StringComparison.Ordinal);
}

/// <summary>
/// The scenario's documents in a file, exactly the JSON bytes the generator produced, each behind a small header
/// (cluster, kind, apiVersion, deleted). Written once per scenario and reused while the generator produces the same
/// documents (checked by hashing the first documents), read back sequentially like a replay reads a capture.
/// Record: int32 json length, byte deleted, 3 x (uint8 length + UTF-8) cluster/kind/apiVersion, json.
/// </summary>
/// <summary>Documents whose JSON shares one pooled slab; dispose after decoding them.</summary>
internal sealed class InputBatch(int slabBytes, int maxDocs, System.Buffers.ArrayPool<byte>? pool = null) : IDisposable
{
    private readonly System.Buffers.ArrayPool<byte> _pool = pool ?? System.Buffers.ArrayPool<byte>.Shared;
    private byte[]? _slab = (pool ?? System.Buffers.ArrayPool<byte>.Shared).Rent(slabBytes);
    private InputDoc[]? _docs = System.Buffers.ArrayPool<InputDoc>.Shared.Rent(maxDocs); // pooled too: the bench's input is not what it measures
    private int _used;

    public int Count { get; private set; }

    public ReadOnlySpan<InputDoc> Docs => _docs.AsSpan(0, Count);

    public bool Fits(int length) => Count < maxDocs && _used + length <= _slab!.Length;

    public Memory<byte> Take(int length)
    {
        var m = _slab.AsMemory(_used, length);
        _used += length;
        return m;
    }

    public void Add(InputDoc doc) => _docs![Count++] = doc;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _slab, null) is { } slab) _pool.Return(slab);
        if (Interlocked.Exchange(ref _docs, null) is { } docs) System.Buffers.ArrayPool<InputDoc>.Shared.Return(docs, clearArray: true);
    }
}

internal static class InputFile
{
    private const int FingerprintDocuments = 2_000;
    private static readonly byte[] Magic = "KSBENCH2"u8.ToArray();

    public static string PathFor(DemoScenario s) => Path.Combine(Path.GetTempPath(), "kspan-bench",
        FormattableString.Invariant($"demo-d{s.DeploymentsPerCluster}-r{s.Replicas}-o{s.Rollouts}-p{s.ProbeFailuresPerPod}-c{s.Clusters}-s{s.Seed}.bin"));

    /// <summary>Hash of the first documents the generator produces now: a stale file (generator changed) is rewritten.</summary>
    public static ulong Fingerprint(DemoScenario s)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in DemoGenerator.Generate(s).Take(FingerprintDocuments))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(item.Cluster + "|" + item.Document.Kind + "|" + item.Document.ApiVersion + "|" + item.Document.Deleted));
            hash.AppendData(item.Document.Json.Span);
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(hash.GetHashAndReset());
    }

    public static bool IsCurrent(string path, ulong fingerprint)
    {
        if (!File.Exists(path)) return false;
        using var f = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        if (f.Read(header) != 16) return false;
        return header[..8].SequenceEqual(Magic) && BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) == fingerprint;
    }

    /// <summary>Generates the whole scenario into the file; returns what the generator alone cost (writing excluded).</summary>
    public static GeneratorStats Write(DemoScenario s, string path, ulong fingerprint)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        long docs = 0, events = 0, bytes = 0;
        long writeTicks = 0;
        var sw = Stopwatch.StartNew();
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> header = stackalloc byte[16];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], fingerprint);
            f.Write(header);
            var buf = new byte[1024];
            foreach (var item in DemoGenerator.Generate(s))
            {
                var t0 = Stopwatch.GetTimestamp();
                var doc = item.Document;
                docs++;
                bytes += doc.Json.Length;
                if (item.IsEvent) events++;
                var n = 0;
                BinaryPrimitives.WriteInt32LittleEndian(buf, doc.Json.Length);
                n += 4;
                buf[n++] = doc.Deleted ? (byte)1 : (byte)0;
                n += WriteShort(buf.AsSpan(n), item.Cluster);
                n += WriteShort(buf.AsSpan(n), doc.Kind);
                n += WriteShort(buf.AsSpan(n), doc.ApiVersion ?? "");
                f.Write(buf, 0, n);
                f.Write(doc.Json.Span);
                writeTicks += Stopwatch.GetTimestamp() - t0;
            }
        }
        File.Move(temp, path, overwrite: true);
        sw.Stop();
        var generatorSeconds = sw.Elapsed.TotalSeconds - writeTicks / (double)Stopwatch.Frequency;
        return new GeneratorStats(docs, events, bytes, generatorSeconds);
    }

    private static int WriteShort(Span<byte> dest, string value)
    {
        var n = Encoding.UTF8.GetBytes(value, dest[1..]);
        dest[0] = checked((byte)n);
        return n + 1;
    }

    /// <summary>Reads the documents back, each JSON in a fresh array (as a watch or a file reader would hand it on).</summary>
    public static IEnumerable<InputDoc> Read(string path)
    {
        foreach (var (f, r) in Records(path))
        {
            var json = new byte[r.Length];
            f.ReadExactly(json);
            yield return r.Doc(json);
        }
    }

    /// <summary>
    /// Reads the documents back in batches whose JSON lies in one pooled slab (as a stream reader hands on lines from its
    /// buffer): no array per document. Each batch must be disposed once its documents were decoded (the slab goes back
    /// to the pool). A document larger than a slab gets a slab of its own.
    /// </summary>
    public static IEnumerable<InputBatch> ReadBatches(string path, int slabBytes = 256 * 1024, int maxDocs = 512, System.Buffers.ArrayPool<byte>? pool = null)
    {
        var batch = new InputBatch(slabBytes, maxDocs, pool);
        foreach (var (f, r) in Records(path))
        {
            if (!batch.Fits(r.Length))
            {
                yield return batch;
                batch = new InputBatch(Math.Max(slabBytes, r.Length), maxDocs, pool);
            }
            var json = batch.Take(r.Length);
            f.ReadExactly(json.Span);
            batch.Add(r.Doc(json));
        }
        if (batch.Count > 0) yield return batch;
        else batch.Dispose();
    }

    /// <summary>One record's header; its JSON follows in the stream.</summary>
    private readonly record struct Record(int Length, bool Deleted, string Cluster, string Kind, string ApiVersion)
    {
        public InputDoc Doc(ReadOnlyMemory<byte> json) =>
            new(Cluster, new SourceDocument(Kind, ApiVersion.Length == 0 ? null : ApiVersion, json, "bench", Deleted));
    }

    /// <summary>Every record header, with the stream positioned at its JSON: the caller reads exactly Length bytes before the next.</summary>
    private static IEnumerable<(Stream Stream, Record Record)> Records(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var header = new byte[16];
        f.ReadExactly(header);
        var strings = new StringTable();
        var small = new byte[4 + 1 + 3 * 256];
        while (true)
        {
            var got = f.ReadAtLeast(small.AsSpan(0, 5), 5, throwOnEndOfStream: false);
            if (got == 0) yield break;
            if (got < 5) throw new EndOfStreamException("truncated record header");
            var length = BinaryPrimitives.ReadInt32LittleEndian(small);
            var deleted = small[4] == 1;
            var cluster = strings.Read(f, small);
            var kind = strings.Read(f, small);
            var api = strings.Read(f, small);
            yield return (f, new Record(length, deleted, cluster, kind, api));
        }
    }

    /// <summary>The few distinct cluster/kind/apiVersion strings, read once each (a source knows them, it does not re-allocate them).</summary>
    private sealed class StringTable
    {
        private readonly List<(byte[] Bytes, string Value)> _known = [];

        public string Read(Stream f, byte[] scratch)
        {
            var n = f.ReadByte();
            if (n < 0) throw new EndOfStreamException();
            var span = scratch.AsSpan(0, n);
            f.ReadExactly(span);
            foreach (var (bytes, value) in _known)
            {
                if (span.SequenceEqual(bytes)) return value;
            }
            var s = Encoding.UTF8.GetString(span);
            _known.Add((span.ToArray(), s));
            return s;
        }
    }
}

internal sealed record GeneratorStats(long Documents, long Events, long Bytes, double Seconds)
{
    public double EventsPerSecond => Events / Seconds;

    public double DocumentsPerSecond => Documents / Seconds;
}
