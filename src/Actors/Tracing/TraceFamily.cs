using KSpanActors.Model;

namespace KSpanActors.Tracing;

/// <summary>
/// Everything known about one top-level object and the objects below it: the input of
/// <see cref="TraceAssembler"/>. Owned by one actor; facts may arrive in any order and twice.
/// </summary>
internal sealed class TraceFamily
{
    private readonly Dictionary<string, ObjectObserved> _objects = new(StringComparer.Ordinal);
    private readonly HashSet<EventObserved> _occurrences = new(OccurrenceComparer.Instance);
    private readonly Dictionary<long, GenerationStart> _generations = new();

    /// <summary>
    /// The lowest count seen of each event, kept when its occurrences are forgotten: an occurrence that comes after the
    /// first one was exported does not cover the repeats again (docs/trace-model.md, "Length"). Bounded by
    /// <see cref="MaxRememberedEvents"/>; past it, only the events still held are remembered.
    /// </summary>
    /// <remarks>
    /// Keyed by a 64-bit hash of the event's uid (<see cref="CompactUid.Hash64"/>), not by the uid: a busy family remembers
    /// thousands of events it no longer holds, and their uid strings (about 100 bytes each) were a fifth of what the
    /// pipeline kept alive in the benchmark. Two uids of one family sharing a hash (about 1 in 10^12 at the bound) would
    /// only make a repeat not stretch back over its earlier occurrences.
    /// </remarks>
    private readonly Dictionary<ulong, long> _lowestCount = new();

    /// <summary>Events whose lowest count a family remembers after their occurrences were forgotten.</summary>
    internal const int MaxRememberedEvents = 4096;

    /// <summary>Families of stopped actors, their tables cleared but not shrunk (<see cref="Rent"/>, <see cref="Return"/>).</summary>
    internal static BoundedPool<TraceFamily> Shared { get; } = new(256);

    /// <summary>Tables grown past this (entries) are not kept for another family: a crash loop's do not make every family large.</summary>
    private const int MaxPooledEntries = 1024;

    /// <summary>A table is not cut below this (entries) after an export (<see cref="Shrink"/>).</summary>
    private const int MinShrunkEntries = 256;

    public TraceFamily(string cluster, string topUid, ObjectRef top)
    {
        Cluster = cluster;
        TopUid = topUid;
        Top = top;
    }

    public string Cluster { get; private set; }

    public string TopUid { get; private set; }

    /// <summary>
    /// A family for a new top-level object: one a stopped actor returned when there is one (its tables keep the size a
    /// rollout grew them to: growing them again, doubling from nothing, was a tenth of what the pipeline allocated).
    /// </summary>
    public static TraceFamily Rent(string cluster, string topUid, ObjectRef top) => Rent(Shared, cluster, topUid, top);

    internal static TraceFamily Rent(BoundedPool<TraceFamily> pool, string cluster, string topUid, ObjectRef top)
    {
        if (pool.TryRent() is not { } family) return new TraceFamily(cluster, topUid, top);
        family.Cluster = cluster;
        family.TopUid = topUid;
        family.Top = top;
        return family;
    }

    /// <summary>Gives the family back when its actor stops; nothing may use it afterwards.</summary>
    public void Return() => Return(Shared);

    internal void Return(BoundedPool<TraceFamily> pool)
    {
        // A family grown large is left to the collector as it is: clearing it first would be work for nothing.
        if (_occurrences.EnsureCapacity(0) > MaxPooledEntries || _lowestCount.EnsureCapacity(0) > MaxPooledEntries || _objects.EnsureCapacity(0) > MaxPooledEntries) return;
        _objects.Clear();
        _occurrences.Clear();
        _generations.Clear();
        _lowestCount.Clear();
        pool.Return(this);
    }

    public ObjectRef Top { get; private set; }

    public IReadOnlyDictionary<string, ObjectObserved> Objects => _objects;

    /// <summary>The event occurrences held, one fact each (equal by event uid and count: <see cref="OccurrenceComparer"/>).</summary>
    public IReadOnlyCollection<EventObserved> Occurrences => _occurrences;

    public IReadOnlyDictionary<long, GenerationStart> Generations => _generations;

    public int OccurrenceCount => _occurrences.Count;

    /// <summary>
    /// What the family's dependents call its top-level object, until its own snapshot is known (which then names it):
    /// an owner they name in two namespaces is cluster-scoped.
    /// </summary>
    public void Rename(ObjectRef top)
    {
        if (!_objects.ContainsKey(TopUid)) Top = top;
    }

    /// <summary>Adds a fact; true when it was new.</summary>
    public bool Add(IFact fact) => fact switch
    {
        EventObserved e => AddEvent(e),
        ObjectObserved o => AddObject(o),
        _ => false,
    };


    /// <summary>The lowest count seen of an event (long.MaxValue when never seen): the occurrence with it is the first one seen.</summary>
    public long LowestCountSeen(CompactUid eventUid) => _lowestCount.TryGetValue(eventUid.Hash64, out var c) ? c : long.MaxValue;

    /// <summary>Forgets the given event occurrences (after they were emitted), keeping objects and generations.</summary>
    public void Forget(IEnumerable<EventObserved> occurrences)
    {
        foreach (var e in occurrences) _occurrences.Remove(e);
        Shrink();
    }

    /// <summary>Forgets every event occurrence but those <paramref name="keep"/> selects (after they were emitted).</summary>
    public void ForgetExcept(Func<EventObserved, bool> keep)
    {
        _occurrences.RemoveWhere(e => !keep(e));
        Shrink();
    }

    /// <summary>
    /// A burst (a crash loop's thousands of events) grew the table; a dictionary never shrinks by itself, and this one
    /// lives as long as its actor: once three quarters of it are free, it is cut to twice what it holds. Not below
    /// <see cref="MinShrunkEntries"/>: a rollout's hundred-odd events come back with the next rollout (and with every
    /// export of a busy one), and a table cut after each export was grown again, doubling, each time.
    /// </summary>
    private void Shrink()
    {
        var capacity = _occurrences.EnsureCapacity(0);
        if (capacity > MinShrunkEntries && _occurrences.Count < capacity / 4) _occurrences.TrimExcess(Math.Max(MinShrunkEntries / 2, _occurrences.Count * 2));
    }

    private bool AddEvent(EventObserved e)
    {
        if (!_occurrences.Add(e))
        {
            // Two different facts claim one occurrence (a copy with a garbled message, a reused uid): which one is kept
            // must not depend on arrival order, and one whose message says what its controller did wins.
            _occurrences.TryGetValue(e, out var held);
            if (held == e || Rank(e, held!) >= 0) return false;
            _occurrences.Remove(held!);
            _occurrences.Add(e);
            return true;
        }
        var uid = e.Uid.Hash64;
        if (_lowestCount.TryGetValue(uid, out var lowest))
        {
            if (e.Count < lowest) _lowestCount[uid] = e.Count;
            return true;
        }
        if (_lowestCount.Count >= MaxRememberedEvents) ForgetLowestCounts();
        _lowestCount[uid] = e.Count;
        return true;
    }

    /// <summary>
    /// Orders two facts about the same occurrence, the preferred one first: a controller action whose message parses,
    /// then the shorter message, then an ordinal comparison of what they say.
    /// </summary>
    private static int Rank(EventObserved a, EventObserved b)
    {
        var c = Says(b).CompareTo(Says(a));
        if (c != 0) return c;
        c = a.Message.Length.CompareTo(b.Message.Length);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Message, b.Message);
        if (c != 0) return c;
        c = a.TimeNs.CompareTo(b.TimeNs);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Reason, b.Reason);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Kind + "/" + a.Namespace + "/" + a.Name, b.Kind + "/" + b.Namespace + "/" + b.Name);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.ObjectUid, b.ObjectUid);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Service + "/" + a.Instance + "/" + a.FieldPath, b.Service + "/" + b.Instance + "/" + b.FieldPath);
        if (c != 0) return c;
        c = a.FirstNs.CompareTo(b.FirstNs);
        if (c != 0) return c;
        c = a.Warning.CompareTo(b.Warning);
        return c != 0 ? c : a.TopLevelSpan.CompareTo(b.TopLevelSpan);

        static bool Says(EventObserved e) => EventMessages.TryParse(e.Kind, e.Reason, e.Message, out _);
    }

    /// <summary>Keeps the lowest counts of the events still held, and drops those of events already forgotten.</summary>
    private void ForgetLowestCounts()
    {
        var held = new HashSet<ulong>();
        foreach (var e in _occurrences) held.Add(e.Uid.Hash64);
        foreach (var uid in _lowestCount.Keys)
        {
            if (!held.Contains(uid)) _lowestCount.Remove(uid);
        }
        _lowestCount.TrimExcess();
    }

    private bool AddObject(ObjectObserved o)
    {
        var changed = false;
        if (!_objects.TryGetValue(o.Uid, out var known) || IsNewer(o, known))
        {
            _objects[o.Uid] = o;
            changed = true;
        }
        if (o.Uid == TopUid)
        {
            Top = new ObjectRef(o.Kind, o.Namespace, o.Name);
            var gen = Math.Max(o.Generation, 1);
            var start = gen <= 1 || o.SpecTimeNs == 0 ? o.CreatedNs : o.SpecTimeNs;
            var g = new GenerationStart(gen, start, o.SpecManager, o.SpecOperation, o.ResourceVersion);
            if (!_generations.TryGetValue(gen, out var had) || Prefer(g, had))
            {
                _generations[gen] = g;
                changed = true;
            }
        }
        return changed;
    }

    private static bool IsNewer(ObjectObserved a, ObjectObserved b) =>
        a.Generation != b.Generation ? a.Generation > b.Generation
        : a.ResourceVersion != b.ResourceVersion ? a.ResourceVersion > b.ResourceVersion
        : a.SpecTimeNs > b.SpecTimeNs;

    private static bool Prefer(GenerationStart a, GenerationStart b) =>
        a.ResourceVersion != b.ResourceVersion ? a.ResourceVersion > b.ResourceVersion
        : a.StartNs != b.StartNs ? a.StartNs > b.StartNs
        : string.CompareOrdinal(a.Manager, b.Manager) > 0;
}
