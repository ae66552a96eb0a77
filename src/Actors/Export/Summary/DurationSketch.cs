namespace KSpanActors.Export.Summary;

/// <summary>
/// Durations (ns) in bounded memory, for nearest-rank percentiles: the first <see cref="ExactUpTo"/> are kept as they
/// are (percentiles exact, as <c>summary PATH</c> gives them); after that, counts in logarithmic buckets whose bounds
/// grow by a factor (1 + α) / (1 − α), α = <see cref="RelativeAccuracy"/> (the DDSketch construction): a percentile is
/// then within 1% of the exact nearest-rank value. Any duration from 1 ns to 292 years falls in one of at most
/// <see cref="MaxBuckets"/> buckets, so one sketch never holds more than that many counters. Not thread-safe.
/// </summary>
internal sealed class DurationSketch
{
    public const int ExactUpTo = 128;

    public const double RelativeAccuracy = 0.01;

    private static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private static readonly double LogGamma = Math.Log(Gamma);

    /// <summary>Buckets needed for every positive long (ln(long.MaxValue) / ln γ), plus one for zero.</summary>
    public static readonly int MaxBuckets = (int)Math.Ceiling(Math.Log(long.MaxValue) / LogGamma) + 2;

    private List<long>? _exact = [];
    private readonly Dictionary<int, long> _buckets = [];

    public long Count { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; }

    /// <summary>True while every duration is kept as it is (percentiles exact).</summary>
    public bool Exact => _exact is not null;

    /// <summary>Counters held now (exact values or buckets): never more than <see cref="ExactUpTo"/> + <see cref="MaxBuckets"/>.</summary>
    public int Held => (_exact?.Count ?? 0) + _buckets.Count;

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
        long seen = 0;
        foreach (var (index, count) in _buckets.OrderBy(b => b.Key))
        {
            seen += count;
            if (seen >= rank) return Math.Clamp(Estimate(index), Min, Max);
        }
        return Max;
    }

    private void Bucket(long ns)
    {
        var index = Index(ns);
        _buckets[index] = _buckets.GetValueOrDefault(index) + 1;
    }

    /// <summary>Bucket i holds γ^(i−1) &lt; ns ≤ γ^i; bucket −1 holds zero.</summary>
    private static int Index(long ns) => ns <= 0 ? -1 : (int)Math.Ceiling(Math.Log(ns) / LogGamma);

    /// <summary>The point of bucket i within α of every value in it: 2γ^i / (γ + 1).</summary>
    private static long Estimate(int index) =>
        index < 0 ? 0 : (long)Math.Round(Math.Min(2 * Math.Exp(index * LogGamma) / (Gamma + 1), long.MaxValue / 2.0));
}
