using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace KSpanActors.Bench;

/// <summary>
/// Which methods the JIT compiled during the timed run, and to which tier: listens to the runtime's method-load events
/// (JIT keyword) and counts them by tier and by type. Off unless asked for (<c>--jit-log</c>); a warm-up is meant to
/// leave the timed run nothing to compile.
/// </summary>
internal sealed class JitLog : EventListener
{
    private const int JitKeyword = 0x10;
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _byTier = new();
    private readonly Dictionary<string, int> _byType = new();
    private volatile bool _on;
    private int _total;

    public void Start() => _on = true;

    public void Stop() => _on = false;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)JitKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.PayloadNames is null || !e.EventName!.StartsWith("MethodLoadVerbose", StringComparison.Ordinal)) return;
        var ns = Payload(e, "MethodNamespace");
        var flags = e.PayloadNames.IndexOf("MethodFlags") is var f and >= 0 ? Convert.ToInt64(e.Payload![f], CultureInfo.InvariantCulture) : 0;
        // MethodFlags bits 7-9: the optimization tier (1 MinOpt, 2 Optimized, 3 QuickJitted, 4 OptimizedTier1,
        // 5 OptimizedTier1OSR, 6 QuickJittedInstrumented, 7 OptimizedTier1Instrumented); bit 0: a dynamic method.
        var tier = ((flags >> 7) & 0x7) switch
        {
            1 => "minopt",
            2 => "optimized",
            3 => "tier0",
            4 => "tier1",
            5 => "tier1-osr",
            6 => "tier0-instrumented",
            7 => "tier1-instrumented",
            _ => "other",
        };
        if ((flags & 0x1) != 0) tier += " (dynamic)";
        lock (_gate)
        {
            _total++;
            _byTier[tier] = _byTier.GetValueOrDefault(tier) + 1;
            var type = ns.Length > 90 ? ns[..90] : ns;
            _byType[type] = _byType.GetValueOrDefault(type) + 1;
        }
    }

    private static string Payload(EventWrittenEventArgs e, string name) =>
        e.PayloadNames!.IndexOf(name) is var i and >= 0 ? e.Payload![i]?.ToString() ?? "" : "";

    public string Report(int top)
    {
        lock (_gate)
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"methods compiled in the timed run: {_total:N0}; by tier: ");
            sb.AppendJoin(", ", _byTier.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}"));
            sb.AppendLine();
            foreach (var (type, n) in _byType.OrderByDescending(kv => kv.Value).Take(top))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {n,6:N0}  {type}");
            }
            return sb.ToString();
        }
    }
}
