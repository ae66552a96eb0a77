using System.Runtime.CompilerServices;
using KSpanActors.Model;

namespace KSpanActors.Tracing;

/// <summary>
/// Deterministic ids: the same (cluster, uid, ...) gives the same trace and span ids in every process and run,
/// so a replay, a relist or another replica never mints a second id for the same thing.
/// FNV-1a over UTF-16 code units, finished with the SplitMix64 mixer (string.GetHashCode is randomized per process).
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Add(ulong h, string? s)
    {
        if (s is not null)
        {
            foreach (var c in s)
            {
                h = (h ^ c) * FnvPrime;
            }
        }
        return (h ^ 0x1F) * FnvPrime; // field separator, so ("ab","c") != ("a","bc")
    }

    /// <summary>As <see cref="Add(ulong, string)"/> over the uid's characters: a packed one's straight from its digits.</summary>
    private static ulong Add(ulong h, CompactUid uid)
    {
        if (!uid.TryGetPacked(out var hi, out var lo)) return Add(h, uid.ToString()); // its own string: nothing made
        h = AddDigits(AddDigits(h, hi, 0), lo, 16);
        return (h ^ 0x1F) * FnvPrime;
    }

    /// <summary>The 16 hex digits of one word of a packed uid, with the hyphens that come before digits 8, 12, 16 and 20.</summary>
    private static ulong AddDigits(ulong h, ulong word, int first)
    {
        var digits = CompactUid.HexDigits;
        for (var i = 0; i < 16; i++)
        {
            if ((first + i) is 8 or 12 or 16 or 20) h = (h ^ '-') * FnvPrime;
            h = (h ^ digits[(int)(word >> (60 - 4 * i)) & 0xF]) * FnvPrime;
        }
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Add(ulong h, long v)
    {
        for (var i = 0; i < 8; i++)
        {
            h = (h ^ (byte)(v >> (8 * i))) * FnvPrime;
        }
        return h;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong NonZero(ulong v) => v == 0 ? 1 : v;

    /// <summary>A trace id from the hash of what names the trace.</summary>
    private static TraceId TraceIdOf(ulong h) => new(NonZero(Mix(h ^ 0x7472616365UL)), NonZero(Mix(h + 0x9E3779B97F4A7C15UL)));

    /// <summary>Trace id of one change: (cluster, top-level object uid, generation).</summary>
    public static TraceId Trace(string cluster, string topUid, long generation)
    {
        var h = Add(Add(Add(FnvOffset, cluster), topUid), generation);
        return TraceIdOf(h);
    }

    /// <summary>Trace id of one run of a CronJob: (cluster, top-level object uid, the "Created job" occurrence).</summary>
    public static TraceId Run(string cluster, string topUid, string eventUid, long count)
    {
        var h = Add(Add(Add(Add(Add(FnvOffset, "run"), cluster), topUid), eventUid), count);
        return TraceIdOf(h);
    }

    /// <inheritdoc cref="Run(string, string, string, long)"/>
    public static TraceId Run(string cluster, string topUid, CompactUid eventUid, long count)
    {
        var h = Add(Add(Add(Add(Add(FnvOffset, "run"), cluster), topUid), eventUid), count);
        return TraceIdOf(h);
    }

    /// <inheritdoc cref="Event(string, string, long)"/>
    public static SpanId Event(string cluster, CompactUid eventUid, long count) =>
        new(NonZero(Mix(Add(Add(Add(FnvOffset, cluster), eventUid), count))));

    /// <summary>Span id of one event occurrence: (cluster, event uid, count).</summary>
    public static SpanId Event(string cluster, string eventUid, long count) =>
        new(NonZero(Mix(Add(Add(Add(FnvOffset, cluster), eventUid), count))));

    /// <summary>Bucket hash of an object name.</summary>
    /// <summary>A 64-bit key for one string (an Event uid) where holding the string itself would cost memory.</summary>
    public static ulong Of(string value) => Mix(Add(FnvOffset, value));

    public static ulong Name(string kind, string ns, string name) => Mix(Add(Add(Add(FnvOffset, kind), ns), name));

    /// <summary>Span id of the synthetic root of a change.</summary>
    public static SpanId Root(string cluster, string topUid, long generation) =>
        new(NonZero(Mix(Add(Add(Add(Add(FnvOffset, "root"), cluster), topUid), generation))));
}
