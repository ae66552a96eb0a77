using System.Buffers;
using KSpanActors.Ingest;

namespace KSpanActors.Bench;

/// <summary>
/// Event documents for the decode-only pass, kept compact: all JSON bytes in one buffer, one
/// <see cref="SourceDocument"/> per item slicing it (built once, so the timed loop allocates only what decoding does).
/// </summary>
internal sealed class EventSample
{
    private readonly ArrayBufferWriter<byte> _bytes = new(1 << 20);
    private readonly List<(int Offset, int Length, string? ApiVersion, string Cluster)> _items = [];
    private SourceDocument[]? _documents;
    private string[]? _clusters;

    public int Count => _items.Count;

    public long Bytes => _bytes.WrittenCount;

    public void Add(string cluster, SourceDocument doc)
    {
        var offset = _bytes.WrittenCount;
        _bytes.Write(doc.Json.Span);
        _items.Add((offset, doc.Json.Length, doc.ApiVersion, cluster));
    }

    /// <summary>Freezes the sample: slices over the final buffer.</summary>
    public (SourceDocument[] Documents, string[] Clusters) Freeze()
    {
        if (_documents is null || _clusters is null || _documents.Length != _items.Count)
        {
            var all = _bytes.WrittenMemory;
            _documents = new SourceDocument[_items.Count];
            _clusters = new string[_items.Count];
            for (var i = 0; i < _items.Count; i++)
            {
                var (offset, length, apiVersion, cluster) = _items[i];
                _documents[i] = new SourceDocument("Event", apiVersion, all.Slice(offset, length), "sample " + i);
                _clusters[i] = cluster;
            }
        }
        return (_documents, _clusters);
    }
}
