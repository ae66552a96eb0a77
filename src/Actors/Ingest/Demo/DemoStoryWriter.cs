using System.Globalization;

namespace KSpanActors.Ingest.Demo;

/// <summary>
/// Collects one story's documents (a few hundred at most), then hands them out sorted by time.
/// Documents of the same second keep the order they were written in, which is causal order.
/// </summary>
internal sealed class DemoStoryWriter(DemoScenario scenario, string cluster, DemoRng rng)
{
    private const long Second = DemoDocuments.Second;
    private readonly List<(long TimeNs, int Seq, DemoItem Item)> _items = [];
    private DemoRng _rng = rng;

    public DemoScenario Scenario { get; } = scenario;

    public string Cluster { get; } = cluster;

    /// <summary>Prefix of every identity key in this story: seed and cluster.</summary>
    public string KeyPrefix { get; } = scenario.Seed.ToString(CultureInfo.InvariantCulture) + "|" + cluster;

    public int EventCount { get; private set; }

    /// <summary>Whole seconds of jitter in [min, max].</summary>
    public long Seconds(int min, int max) => _rng.Next(min, max) * Second;

    public int Next(int min, int max) => _rng.Next(min, max);

    public string Uid(string key) => DemoIds.Uid(KeyPrefix + "|" + key);

    public void Object(long timeNs, Func<long, SourceDocument> build) => Add(timeNs, build);

    /// <summary>One Event occurrence. <paramref name="repeatKey"/> names a repeated event: same uid, counts 1, 2...</summary>
    public void Event(
        long timeNs,
        DemoInvolved about,
        string reason,
        string message,
        string component,
        string? host = null,
        string type = "Normal",
        string? repeatKey = null,
        int count = 1,
        long firstNs = 0)
    {
        var ids = DemoIds.EventIds(KeyPrefix + "|ev|" + about.Uid + "|" + reason + "|" + (repeatKey ?? message));
        EventCount++;
        Add(timeNs, rv => DemoDocuments.Event(ids, about, type, reason, message, component, host, count, firstNs == 0 ? timeNs : firstNs, timeNs, rv));
    }

    public List<DemoItem> Finish()
    {
        _items.Sort(static (a, b) => a.TimeNs != b.TimeNs ? a.TimeNs.CompareTo(b.TimeNs) : a.Seq.CompareTo(b.Seq));
        var result = new List<DemoItem>(_items.Count);
        foreach (var (_, _, item) in _items) result.Add(item);
        return result;
    }

    private void Add(long timeNs, Func<long, SourceDocument> build)
    {
        var seq = _items.Count;
        // resourceVersion grows with time, and with writing order within a second, so later snapshots of one object have larger ones.
        var rv = timeNs / Second * 100_000 + Math.Min(seq, 99_999);
        _items.Add((timeNs, seq, new DemoItem(Cluster, timeNs, build(rv))));
    }
}
