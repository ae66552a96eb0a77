using System.Globalization;

namespace KSpanActors.Export.Waterfall;

/// <summary>Durations in human units: <c>350ms</c>, <c>9.1s</c>, <c>1m05s</c>, <c>2h03m</c>, <c>3d04h</c>.</summary>
internal static class DurationText
{
    private const long Ms = 1_000_000;
    private const long Second = 1_000 * Ms;
    private const long Minute = 60 * Second;
    private const long Hour = 60 * Minute;

    // Far beyond any real trace; keeps the rounding additions below from overflowing.
    private const long Max = long.MaxValue / 4;

    public static string Format(long ns)
    {
        if (ns < 0) return "-" + Format(ns == long.MinValue ? long.MaxValue : -ns);
        if (ns == 0) return "0s";
        ns = Math.Min(ns, Max);

        var ms = (ns + Ms / 2) / Ms;
        if (ms == 0) return "<1ms";
        if (ms < 1000) return Invariant($"{ms}ms");

        var tenths = (ns + Second / 20) / (Second / 10);
        if (tenths < 600) return Invariant($"{tenths / 10}.{tenths % 10}s");

        var seconds = (ns + Second / 2) / Second;
        if (seconds < 3600) return Invariant($"{seconds / 60}m{seconds % 60:00}s");

        var minutes = (ns + Minute / 2) / Minute;
        if (minutes < 48 * 60) return Invariant($"{minutes / 60}h{minutes % 60:00}m");

        var hours = (ns + Hour / 2) / Hour;
        return Invariant($"{hours / 24}d{hours % 24:00}h");
    }

    /// <summary>An offset from the trace start: <c>+6.1s</c>, <c>+0s</c>, <c>-1.2s</c>.</summary>
    public static string Offset(long ns) => ns < 0 ? Format(ns) : "+" + Format(ns);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
