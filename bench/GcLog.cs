using System.Diagnostics.Tracing;
using System.Globalization;

namespace KSpanActors.Bench;

/// <summary>
/// What each garbage collection of the timed run was and cost: listens to the runtime's GC events (start: generation,
/// type and reason; heap stats: bytes promoted; suspend/restart: the pause), and sums them by generation and type.
/// Off unless asked for (<c>--gc-log</c>).
/// </summary>
internal sealed class GcLog : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly object _gate = new();
    private readonly Dictionary<(int Gen, int Type), Row> _rows = new();
    // The timed run's collections by number: the runtime's events reach a listener a moment late, so a switch flipped at
    // the start counted the forced collection just before it (a gen2 "induced" in every log).
    private long _first = long.MaxValue;
    private long _last = long.MaxValue;
    private DateTime _suspendBegin;
    private (int Gen, int Type, int Reason) _current = (-1, 0, 0);
    private long _promoted;

    private sealed class Row
    {
        public int Count;
        public double PauseMs;
        public double MaxPauseMs;
        public long Promoted;
        public readonly Dictionary<int, int> Reasons = new();
    }

    public void Start() => Interlocked.Exchange(ref _first, GC.CollectionCount(0) + 1);

    public void Stop() => Interlocked.Exchange(ref _last, GC.CollectionCount(0));

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Informational, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (Interlocked.Read(ref _first) == long.MaxValue || e.PayloadNames is null) return;
        lock (_gate)
        {
            switch (e.EventName)
            {
                case "GCSuspendEEBegin_V1":
                    _suspendBegin = e.TimeStamp;
                    break;
                case "GCStart_V2":
                    var number = Long(e, "Count");
                    if (number < Interlocked.Read(ref _first) || number > Interlocked.Read(ref _last)) break;
                    _current = (Int(e, "Depth"), Int(e, "Type"), Int(e, "Reason"));
                    _promoted = 0;
                    break;
                case "GCHeapStats_V2":
                    _promoted = Long(e, "TotalPromotedSize0") + Long(e, "TotalPromotedSize1") + Long(e, "TotalPromotedSize2")
                        + Long(e, "TotalPromotedSize3") + Long(e, "TotalPromotedSize4");
                    break;
                case "GCRestartEEEnd_V1":
                    if (_current.Gen < 0) break;
                    var key = (_current.Gen, _current.Type);
                    if (!_rows.TryGetValue(key, out var row)) _rows[key] = row = new Row();
                    var pause = (e.TimeStamp - _suspendBegin).TotalMilliseconds;
                    row.Count++;
                    row.PauseMs += pause;
                    row.MaxPauseMs = Math.Max(row.MaxPauseMs, pause);
                    row.Promoted += _promoted;
                    row.Reasons[_current.Reason] = row.Reasons.GetValueOrDefault(_current.Reason) + 1;
                    _current = (-1, 0, 0);
                    break;
            }
        }
    }

    private static int Int(EventWrittenEventArgs e, string name) => (int)Long(e, name);

    private static long Long(EventWrittenEventArgs e, string name)
    {
        var i = e.PayloadNames!.IndexOf(name);
        return i < 0 ? 0 : Convert.ToInt64(e.Payload![i], CultureInfo.InvariantCulture);
    }

    /// <summary>One line per generation and type: count, pauses (sum, mean, max), bytes promoted per collection, reasons.</summary>
    public IEnumerable<string> Report()
    {
        lock (_gate)
        {
            foreach (var ((gen, type), row) in _rows.OrderBy(kv => kv.Key))
            {
                var kind = type switch { 0 => "blocking", 1 => "background", 2 => "foreground", _ => type.ToString(CultureInfo.InvariantCulture) };
                var reasons = string.Join(",", row.Reasons.OrderByDescending(r => r.Value).Select(r => $"{ReasonName(r.Key)}×{r.Value}"));
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"  gen{gen} {kind,-10} {row.Count,4} collections, pauses {row.PauseMs / 1000:N2} s (mean {row.PauseMs / row.Count:N1} ms, max {row.MaxPauseMs:N1} ms), promoted {row.Promoted / (double)row.Count / 1e6:N1} MB each; reasons {reasons}");
            }
        }
    }

    private static string ReasonName(int reason) => reason switch
    {
        0 => "alloc", 1 => "induced", 2 => "low-memory", 3 => "empty", 4 => "alloc-loh", 5 => "oos-soh", 6 => "oos-loh",
        7 => "induced-noforce", 8 => "gc-stress", 9 => "lowmem-blocking", 10 => "induced-compacting", 11 => "lowmem-host",
        12 => "pm-full", 13 => "lowmem-host-blocking", _ => reason.ToString(CultureInfo.InvariantCulture),
    };
}
