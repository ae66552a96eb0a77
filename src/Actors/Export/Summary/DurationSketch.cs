namespace KSpanActors.Export.Summary;

/// <summary>
/// Durations (ns) in bounded memory, for nearest-rank percentiles: the first <see cref="ExactUpTo"/> are kept as they
/// are (percentiles exact, as <c>summary PATH</c> gives them); after that, counts in logarithmic buckets whose bounds
/// grow by a factor (1 + α) / (1 − α), α = <see cref="RelativeAccuracy"/> (the DDSketch construction): a percentile is
/// then within 1% of the exact nearest-rank value. Any duration from 1 ns to 292 years falls in one of at most
/// <see cref="MaxBuckets"/> (about 2,200) buckets; the counters cover only the range of buckets seen (100 ms to 3 h: about
/// 600 counters, 5 KB), never more than that many. Not thread-safe.
/// </summary>
internal sealed class DurationSketch
{
    public const int ExactUpTo = 128;

    public const double RelativeAccuracy = 0.01;

    private static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private static readonly double LogGamma = Math.Log(Gamma);

    /// <summary>Buckets needed for every positive long: ln(long.MaxValue) / ln γ (zeros are counted apart).</summary>
    public static readonly int MaxBuckets = (int)Math.Ceiling(Math.Log(long.MaxValue) / LogGamma) + 2;

    private List<long>? _exact = [];

    // Counts of buckets _offset .. _offset + _counts.Length - 1, grown to cover the buckets seen; zeros apart.
    private long[] _counts = [];
    private int _offset;
    private long _zeros;

    public long Count { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; }

    /// <summary>True while every duration is kept as it is (percentiles exact).</summary>
    public bool Exact => _exact is not null;

    /// <summary>Counters held now (exact values or buckets): never more than <see cref="ExactUpTo"/> + <see cref="MaxBuckets"/>.</summary>
    public int Held => (_exact?.Count ?? 0) + _counts.Length;

    public void Add(long ns)
    {
        ns = Math.Max(0, ns);
        Count++;
        Min = Math.Min(Min, ns);
        Max = Math.Max(Max, ns);
        if (_exact is not null)
        {
            if (_exact.Count < ExactUpTo)
            {
                _exact.Add(ns);
                return;
            }
            foreach (var v in _exact) Bucket(v);
            _exact = null;
        }
        Bucket(ns);
    }

    /// <summary>Nearest-rank percentile (p in 0..1): exact while <see cref="Exact"/>, else within <see cref="RelativeAccuracy"/> of it.</summary>
    public long Percentile(double p)
    {
        if (Count == 0) return 0;
        if (_exact is not null)
        {
            var sorted = _exact.Order().ToList();
            return FleetSummary.Percentile(sorted, p);
        }
        var rank = Math.Clamp((long)Math.Ceiling(p * Count), 1, Count);
        if (rank == Count) return Max; // known exactly
        var seen = _zeros;
        if (seen >= rank) return 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Clamp(Estimate(_offset + i), Min, Max);
        }
        return Max;
    }

    private void Bucket(long ns)
    {
        if (ns == 0)
        {
            _zeros++;
            return;
        }
        var index = Index(ns);
        if (_counts.Length == 0)
        {
            _offset = Math.Max(1, index - 4);
            _counts = new long[Math.Min(8, MaxBuckets - _offset + 1)];
        }
        else if (index < _offset || index >= _offset + _counts.Length)
        {
            // Grow toward the side the new bucket is on, by 32 buckets more (about 90% of duration) so that growing stays rare.
            var low = Math.Min(_offset, index);
            var high = Math.Max(_offset + _counts.Length - 1, index);
            const int extra = 32;
            if (index < _offset) low -= extra;
            else high += extra;
            low = Math.Max(low, 1);
            high = Math.Min(high, MaxBuckets);
            var grown = new long[high - low + 1];
            Array.Copy(_counts, 0, grown, _offset - low, _counts.Length);
            _counts = grown;
            _offset = low;
        }
        _counts[index - _offset]++;
    }

    /// <summary>Bucket i (i ≥ 1) holds γ^(i−1) &lt; ns ≤ γ^i (1 ns falls in bucket 1).</summary>
    private static int Index(long ns) => Math.Clamp((int)Math.Ceiling(Math.Log(ns) / LogGamma), 1, MaxBuckets);

    /// <summary>The point of bucket i within α of every value in it: 2γ^i / (γ + 1).</summary>
    private static long Estimate(int index) =>
        (long)Math.Round(Math.Min(2 * Math.Exp(index * LogGamma) / (Gamma + 1), long.MaxValue / 2.0));
}
