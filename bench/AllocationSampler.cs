using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace KSpanActors.Bench;

/// <summary>
/// Where the allocations go, by type: listens to the runtime's own allocation ticks (one event per ~100 KB allocated
/// on a thread, naming the type of the object that crossed the mark), so the counts are a sample proportional to the
/// bytes; objects on the large object heap (85,000 bytes and more) are listed apart. Off unless asked for (<c>--alloc-types N</c>): the listener costs a little on every tick.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private const int AllocationTickEventId = 10;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public void Start() => _on = true;

    public void Stop() => _on = false;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventId != AllocationTickEventId || e.PayloadNames is null) return;
        string? type = null;
        long amount = 0;
        var large = false;
        for (var i = 0; i < e.PayloadNames.Count; i++)
        {
            switch (e.PayloadNames[i])
            {
                case "TypeName": type = e.Payload![i] as string; break;
                case "AllocationAmount64": amount = Convert.ToInt64(e.Payload![i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "AllocationKind": large = Convert.ToInt32(e.Payload![i], System.Globalization.CultureInfo.InvariantCulture) == 1; break;
            }
        }
        if (type is null) return;
        if (large) type = "[large object heap] " + type;
        _bytes.AddOrUpdate(type, amount, (_, b) => b + amount);
    }

    /// <summary>The <paramref name="top"/> types by sampled bytes, each with its share and bytes per document.</summary>
    public IEnumerable<string> Report(int top, long documents)
    {
        var total = _bytes.Values.Sum();
        if (total == 0) yield break;
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
        {
            yield return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"  {bytes * 100.0 / total,5:N1}%  {bytes / (double)Math.Max(1, documents),7:N0} B/doc  {type}");
        }
    }
}
