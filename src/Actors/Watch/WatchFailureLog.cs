using Microsoft.Extensions.Logging;

namespace KSpanActors.Watch;

/// <summary>
/// The retry warnings of one cluster's watch loops, grouped: when the API server is down every resource fails the same
/// way at about the same time, and one line per retry round says so
/// (<c>cluster prod: 8 resources (events, pods, ...): Connection refused (10.0.0.1:6443); retry 3, next in about 2s</c>)
/// instead of one line per resource. A round is the loops' n-th failure in a row with the same message; its line is
/// written once every loop of the cluster reported it, or <see cref="Gather"/> after the first did.
/// </summary>
internal sealed class WatchFailureLog(string cluster, ILogger log)
{
    /// <summary>How long the first failure of a round waits for the other resources' before the line is written.</summary>
    internal static readonly TimeSpan Gather = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly Dictionary<(int Attempt, string Error), Round> _rounds = [];
    private int _loops;

    private sealed class Round(TimeSpan nextDelay)
    {
        public List<string> Resources { get; } = [];

        public TimeSpan NextDelay { get; } = nextDelay;

        /// <summary>When its line was written; a failure reported after that (a loop slower than the others) adds nothing.</summary>
        public long? WrittenAt { get; set; }

        /// <summary>Written long enough ago that the same attempt number now means a new outage (the backoff was reset).</summary>
        public bool Over => WrittenAt is { } at && System.Diagnostics.Stopwatch.GetElapsedTime(at) > NextDelay + Gather;
    }

    /// <summary>A loop of this cluster starts (the number of loops a full round waits for).</summary>
    public void Register()
    {
        lock (_gate) _loops++;
    }

    public void Unregister()
    {
        lock (_gate) _loops--;
    }

    /// <summary>The <paramref name="attempt"/>-th failure in a row of <paramref name="resource"/>; it retries after <paramref name="nextDelay"/>.</summary>
    public void Failed(string resource, int attempt, string error, TimeSpan nextDelay)
    {
        Round round;
        bool first;
        lock (_gate)
        {
            first = !_rounds.TryGetValue((attempt, error), out round!) || round.Over;
            if (first)
            {
                // Rounds long written are forgotten (bounded: a few per failing message).
                foreach (var key in _rounds.Where(static r => r.Value.Over).Select(static r => r.Key).ToList()) _rounds.Remove(key);
                _rounds[(attempt, error)] = round = new Round(nextDelay);
            }
            else if (round.WrittenAt is not null)
            {
                return;
            }
            round.Resources.Add(resource);
            if (round.Resources.Count < _loops)
            {
                if (first) _ = WriteLaterAsync(attempt, error);
                return;
            }
        }
        Write(attempt, error);
    }

    private async Task WriteLaterAsync(int attempt, string error)
    {
        await Task.Delay(Gather).ConfigureAwait(false);
        Write(attempt, error);
    }

    private void Write(int attempt, string error)
    {
        List<string> resources;
        TimeSpan next;
        lock (_gate)
        {
            if (!_rounds.TryGetValue((attempt, error), out var round) || round.WrittenAt is not null) return;
            round.WrittenAt = System.Diagnostics.Stopwatch.GetTimestamp();
            resources = [.. round.Resources.Order(StringComparer.Ordinal)];
            next = round.NextDelay;
        }
        var which = resources.Count == 1 ? resources[0] : $"{resources.Count} resources ({string.Join(", ", resources)})";
        log.LogWarning("cluster {Cluster} {Resources}: {Error}; retry {Attempt}, next in about {Delay:0.#}s",
            cluster, which, error, attempt, next.TotalSeconds);
    }
}
