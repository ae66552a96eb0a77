using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Tracing;

/// <summary>
/// The trace rules of docs/trace-model.md as one pure function: a <see cref="TraceFamily"/> in, its traces out.
/// Every decision depends on times, names and uids, never on the order facts arrived in, and every tie is
/// broken by (time, event uid, count), so the same facts in any order give the same spans and ids.
/// </summary>
internal static class TraceAssembler
{
    private const long NsPerSecond = 1_000_000_000L;
    private const int NoParent = -1;

    /// <summary>Builds the traces of a family. Spans whose id is in <paramref name="alreadyEmitted"/> are left out.</summary>
    public static List<TraceSpans> Assemble(TraceFamily family, string? clusterUid = null, IReadOnlySet<ulong>? alreadyEmitted = null)
    {
        var result = new List<TraceSpans>();
        if (family.OccurrenceCount == 0) return result;

        var occ = family.Occurrences.ToArray();
        Array.Sort(occ, CompareOccurrence);
        var n = occ.Length;

        // Changes of the top-level object, oldest first; a family with no known object gets one synthetic change.
        var gens = family.Generations.Values.OrderBy(g => g.Generation).ToArray();
        if (gens.Length == 0) gens = [new GenerationStart(0, occ[0].TimeNs, null, null, 0)];

        var scratch = Scratch.For(n);
        var top = family.Top;
        var actions = scratch.Actions;
        Array.Clear(actions, 0, n);
        var acting = new Dictionary<ObjectRef, List<int>>();
        for (var i = 0; i < n; i++)
        {
            var e = occ[i];
            if (EventMessages.TryParse(e.Kind, e.Reason, e.Message, out var a))
            {
                actions[i] = a;
                var target = new ObjectRef(a.TargetKind, e.Namespace, a.TargetName);
                if (!acting.TryGetValue(target, out var list)) acting[target] = list = [];
                list.Add(i); // ascending by time, uid, count
            }
        }

        // A CronJob's runs: each "Created job J" is the root of a trace of its own (ascending by time, uid, count).
        var runs = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (IsRun(occ[i], actions[i])) runs.Add(i);
        }

        // Parents (index of the parent occurrence, or NoParent for the root of the change).
        var parent = scratch.Parent;
        for (var i = 0; i < n; i++)
        {
            parent[i] = FindParent(i, occ, actions, acting, family, top);
        }
        if (runs.Count > 0) ParentUnderRuns(occ, parent, runs);

        // Which change each span belongs to: its parent's, or by time for spans under the root. Runs come after the
        // generations: change gens.Length + k is run k.
        var gen = scratch.Gen;
        for (var i = 0; i < n; i++) gen[i] = -1;
        for (var k = 0; k < runs.Count; k++) gen[runs[k]] = gens.Length + k;
        for (var i = 0; i < n; i++) gen[i] = ChangeOf(i, parent, gen, occ, gens);

        // topLevelSpan: the earliest such event about the top object in a change becomes that change's root.
        var rootEvent = new int[gens.Length + runs.Count];
        Array.Fill(rootEvent, NoParent);
        for (var i = 0; i < n; i++)
        {
            if (occ[i].TopLevelSpan && IsAbout(occ[i], family.TopUid, top) && parent[i] == NoParent && gen[i] < gens.Length && rootEvent[gen[i]] == NoParent)
            {
                rootEvent[gen[i]] = i;
            }
        }

        var (start, end) = SpanTimes(occ, parent, family, scratch);

        for (var k = 0; k < runs.Count; k++) rootEvent[gens.Length + k] = runs[k];

        // Members of each change, in time order.
        var members = new List<int>[gens.Length + runs.Count];
        for (var i = 0; i < n; i++) (members[gen[i]] ??= []).Add(i);

        // Emit one TraceSpans per change that has spans.
        for (var g = 0; g < gens.Length; g++)
        {
            if (members[g] is not { } ofChange) continue;
            EmitChange(result, family, clusterUid, alreadyEmitted, occ, parent, start, end, gens[g], rootEvent[g], ofChange);
        }
        for (var k = 0; k < runs.Count; k++)
        {
            EmitRun(result, family, clusterUid, alreadyEmitted, occ, parent, start, end, runs[k], members[gens.Length + k]!);
        }
        return result;
    }

    /// <summary>The spans of one change of the top-level object (its creation or a new generation).</summary>
    private static void EmitChange(List<TraceSpans> result, TraceFamily family, string? clusterUid, IReadOnlySet<ulong>? alreadyEmitted,
        EventObserved[] occ, int[] parent, long[] start, long[] end, GenerationStart change, int rootIdx, List<int> members)
    {
        var traceId = StableHash.Trace(family.Cluster, family.TopUid, change.Generation);
        // One root id per change, whichever span is the root: a replica that rebuilds a family after another one
        // exported part of it (a failover), or that sees a topLevelSpan event after the change's default root went
        // out, must recognise the root that was exported instead of adding a second one to the trace.
        var rootId = StableHash.Root(family.Cluster, family.TopUid, change.Generation);

        var rootStart = change.Generation == 0 ? long.MaxValue : change.StartNs;
        var rootEnd = change.Generation == 0 ? long.MinValue : change.StartNs;
        foreach (var i in members)
        {
            rootStart = Math.Min(rootStart, start[i]);
            rootEnd = Math.Max(rootEnd, end[i]);
        }

        var spans = ImmutableArray.CreateBuilder<SpanRecord>(members.Count + 1);
        if (alreadyEmitted is null || !alreadyEmitted.Contains(rootId.Value))
        {
            spans.Add(rootIdx >= 0
                ? SpanFactory.EventSpan(family.Cluster, clusterUid, occ[rootIdx], traceId, rootId, SpanId.None, rootStart, rootEnd)
                : SpanFactory.RootSpan(family.Cluster, clusterUid, family, change, traceId, rootId, rootStart, rootEnd));
        }
        else if (rootIdx >= 0)
        {
            // The change's root went out before this topLevelSpan event was known: the event is a span under it.
            var id = StableHash.Event(family.Cluster, occ[rootIdx].Uid, occ[rootIdx].Count);
            if (!alreadyEmitted.Contains(id.Value)) spans.Add(SpanFactory.EventSpan(family.Cluster, clusterUid, occ[rootIdx], traceId, id, rootId, start[rootIdx], end[rootIdx]));
        }
        AddMemberSpans(spans, family, clusterUid, alreadyEmitted, occ, parent, start, end, rootIdx, members, traceId, rootId);
        if (spans.Count > 0) result.Add(new TraceSpans(traceId, spans.DrainToImmutable()));
    }

    /// <summary>
    /// The spans of one run of a CronJob: its "Created job J" is the root (with the occurrence's own span id), stretched
    /// over the Job's spans below it; the trace id comes from that occurrence.
    /// </summary>
    private static void EmitRun(List<TraceSpans> result, TraceFamily family, string? clusterUid, IReadOnlySet<ulong>? alreadyEmitted,
        EventObserved[] occ, int[] parent, long[] start, long[] end, int rootIdx, List<int> members)
    {
        var create = occ[rootIdx];
        var traceId = StableHash.Run(family.Cluster, family.TopUid, create.Uid, create.Count);
        var rootId = StableHash.Event(family.Cluster, create.Uid, create.Count);
        long rootStart = long.MaxValue, rootEnd = long.MinValue;
        foreach (var i in members)
        {
            rootStart = Math.Min(rootStart, start[i]);
            rootEnd = Math.Max(rootEnd, end[i]);
        }
        var spans = ImmutableArray.CreateBuilder<SpanRecord>(members.Count);
        if (alreadyEmitted is null || !alreadyEmitted.Contains(rootId.Value))
        {
            spans.Add(SpanFactory.EventSpan(family.Cluster, clusterUid, create, traceId, rootId, SpanId.None, rootStart, rootEnd));
        }
        AddMemberSpans(spans, family, clusterUid, alreadyEmitted, occ, parent, start, end, rootIdx, members, traceId, rootId);
        if (spans.Count > 0) result.Add(new TraceSpans(traceId, spans.DrainToImmutable()));
    }

    /// <summary>
    /// The members of a trace other than its root, each under its parent (or the root), skipping spans exported before.
    /// </summary>
    private static void AddMemberSpans(ImmutableArray<SpanRecord>.Builder spans, TraceFamily family, string? clusterUid, IReadOnlySet<ulong>? alreadyEmitted,
        EventObserved[] occ, int[] parent, long[] start, long[] end, int rootIdx, List<int> members, TraceId traceId, SpanId rootId)
    {
        foreach (var i in members)
        {
            if (i == rootIdx) continue;
            var id = StableHash.Event(family.Cluster, occ[i].Uid, occ[i].Count);
            if (alreadyEmitted is not null && alreadyEmitted.Contains(id.Value)) continue;
            var p = parent[i];
            var parentId = p == NoParent ? rootId : StableHash.Event(family.Cluster, occ[p].Uid, occ[p].Count);
            spans.Add(SpanFactory.EventSpan(family.Cluster, clusterUid, occ[i], traceId, id, parentId, start[i], end[i]));
        }
    }

    /// <summary>
    /// A CronJob's "Created job J": one run of it, the root of a trace of its own. So is a run it failed to start
    /// (<c>FailedCreate</c> "Error creating job: ..."): a CronJob that fails every minute shows one failed run a minute,
    /// not one run that never ends.
    /// </summary>
    private static bool IsRun(EventObserved e, ControllerAction? action) =>
        e.Kind == "CronJob" && (e.Reason == "FailedCreate" || (action is { Direction: ActionDirection.Up, TargetKind: "Job" } && e.Reason == "SuccessfulCreate"));

    /// <summary>
    /// A CronJob's own events that nothing else explains ("Deleted job J" of an old run, a missed schedule) belong to the
    /// run in progress: the latest run of that CronJob at or before them (the same second counts); before its first
    /// run, to the change of the CronJob. A run itself has no parent.
    /// </summary>
    private static void ParentUnderRuns(EventObserved[] occ, int[] parent, List<int> runs)
    {
        var isRun = new bool[occ.Length];
        foreach (var r in runs)
        {
            parent[r] = NoParent;
            isRun[r] = true;
        }
        for (var i = 0; i < occ.Length; i++)
        {
            var e = occ[i];
            if (parent[i] != NoParent || isRun[i] || e.Kind != "CronJob") continue;
            // Runs ascend by time: the first one later than this event's second, then back to the latest of its CronJob.
            var t = Sec(e.TimeNs);
            int lo = 0, hi = runs.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (Sec(occ[runs[mid]].TimeNs) <= t) lo = mid + 1;
                else hi = mid;
            }
            for (var k = lo - 1; k >= 0; k--)
            {
                var c = occ[runs[k]];
                if (c.Name == e.Name && c.Namespace == e.Namespace && SameObject(c, e))
                {
                    parent[i] = runs[k];
                    break;
                }
            }
        }
    }

    private static bool SameObject(EventObserved a, EventObserved b) => a.ObjectUid is null || b.ObjectUid is null || a.ObjectUid == b.ObjectUid;

    /// <summary>
    /// The id a span would have as an event occurrence, when it is a root made from a topLevelSpan event (which takes the
    /// change's root id instead): exporting that root also exports the occurrence, under either id.
    /// </summary>
    public static SpanId? OccurrenceIdOfRoot(SpanRecord s)
    {
        if (!s.IsRoot) return null;
        string? uid = null;
        long count = 0;
        foreach (var a in s.Attributes)
        {
            if (a.Key == "k8s.event.uid") uid = a.StringValue;
            else if (a.Key == "k8s.event.count") count = a.IntValue;
        }
        return uid is null ? null : StableHash.Event(s.Resource.ClusterName, uid, count);
    }

    private static int CompareOccurrence(EventObserved a, EventObserved b)
    {
        var c = a.TimeNs.CompareTo(b.TimeNs);
        if (c != 0) return c;
        c = CompactUid.CompareOrdinal(a.Uid, b.Uid);
        return c != 0 ? c : a.Count.CompareTo(b.Count);
    }

    private static long Sec(long ns) => ns >= 0 ? ns / NsPerSecond : ((ns + 1) / NsPerSecond) - 1;

    private static bool IsAbout(EventObserved e, string uid, ObjectRef obj) =>
        e.ObjectUid is not null ? e.ObjectUid == uid : e.Kind == obj.Kind && e.Name == obj.Name && e.Namespace == obj.Namespace;

    private static int FindParent(int i, EventObserved[] occ, ControllerAction?[] actions, Dictionary<ObjectRef, List<int>> acting, TraceFamily family, ObjectRef top)
    {
        var e = occ[i];
        var t = Sec(e.TimeNs);
        ActionDirection direction;
        if (actions[i] is { } a)
        {
            // A scaling event hangs under the root; a create/delete under what acted on its actor.
            if (a.Replicas >= 0) return NoParent;
            direction = a.Direction;
        }
        else if (EventMessages.TryParseAttempt(e.Reason, out direction))
        {
            // A failed create or delete (ReplicaSet.FailedCreate "exceeded quota") hangs where its successful one would.
        }
        else if (EventMessages.TryParseSawCompletedJob(e.Reason, e.Message, out var job))
        {
            // "Saw completed job: J": under the create of that Job (the latest at or before).
            return LatestCreate(new ObjectRef("Job", e.Namespace, job), t, occ, actions, acting);
        }
        else return ParentOfObjectEvent(e, t, occ, actions, acting, family);

        if (IsAbout(e, family.TopUid, top)) return NoParent;
        if (!acting.TryGetValue(new ObjectRef(e.Kind, e.Namespace, e.Name), out var onActor)) return NoParent;
        var best = NoParent;
        foreach (var j in onActor)
        {
            var aj = actions[j]!.Value;
            if (j == i || aj.Direction != direction || Sec(occ[j].TimeNs) > t) continue;
            if (best == NoParent || BetterAction(j, best, occ, actions)) best = j;
        }
        return best;
    }

    /// <summary>The latest create (not a scaling) naming <paramref name="target"/> at or before second <paramref name="t"/>.</summary>
    private static int LatestCreate(ObjectRef target, long t, EventObserved[] occ, ControllerAction?[] actions, Dictionary<ObjectRef, List<int>> acting)
    {
        if (!acting.TryGetValue(target, out var on)) return NoParent;
        var c = NoParent;
        foreach (var j in on)
        {
            var aj = actions[j]!.Value;
            if (aj.Replicas >= 0 || aj.Direction != ActionDirection.Up || Sec(occ[j].TimeNs) > t) continue;
            c = j; // ascending order: the last one seen is the latest
        }
        return c;
    }

    private static int ParentOfObjectEvent(EventObserved e, long t, EventObserved[] occ, ControllerAction?[] actions, Dictionary<ObjectRef, List<int>> acting, TraceFamily family)
    {
        // Any other event of an object that a controller created or deleted (a Pod, a Job): under that create or delete.
        if (!acting.TryGetValue(new ObjectRef(e.Kind, e.Namespace, e.Name), out var onObject)) return NoParent;
        var created = long.MinValue;
        if (e.ObjectUid is not null && family.Objects.TryGetValue(e.ObjectUid, out var obj)) created = Sec(obj.CreatedNs);
        int c = NoParent, d = NoParent;
        foreach (var j in onObject)
        {
            var aj = actions[j]!.Value;
            if (aj.Replicas >= 0) continue; // scalings name ReplicaSets; they parent creates, not the ReplicaSet's own events
            var tj = Sec(occ[j].TimeNs);
            if (tj > t || tj < created) continue;
            if (aj.Direction == ActionDirection.Up) c = j; // ascending order: the last one seen is the latest
            else d = j;
        }
        if (d == NoParent) return c;
        if (c == NoParent) return d;
        var tc = Sec(occ[c].TimeNs);
        var td = Sec(occ[d].TimeNs);
        if (td > tc) return d;
        if (td < tc) return c;
        return e.Reason == "Killing" ? d : c;
    }

    /// <summary>Among acting spans at or before the event: the latest; at equal seconds the larger N up, the smaller N down.</summary>
    private static bool BetterAction(int j, int best, EventObserved[] occ, ControllerAction?[] actions)
    {
        var tj = Sec(occ[j].TimeNs);
        var tb = Sec(occ[best].TimeNs);
        if (tj != tb) return tj > tb;
        var aj = actions[j]!.Value;
        var ab = actions[best]!.Value;
        if (aj.Replicas != ab.Replicas) return aj.Direction == ActionDirection.Up ? aj.Replicas > ab.Replicas : aj.Replicas < ab.Replicas;
        return j > best;
    }

    private static int ChangeOf(int i, int[] parent, int[] gen, EventObserved[] occ, GenerationStart[] gens)
    {
        // Walk up to a span with a known change (or the root); parents are never later than children, chains are short.
        // Then the same steps again, giving each span passed its change (no list of them: this runs for every span).
        var k = i;
        var steps = 0;
        while (gen[k] < 0 && parent[k] != NoParent && steps < 64)
        {
            steps++;
            k = parent[k];
        }
        var g = gen[k] >= 0 ? gen[k] : ChangeAt(occ[k].TimeNs, gens);
        gen[k] = g;
        for (var m = i; steps > 0; steps--, m = parent[m]) gen[m] = g;
        return g;
    }

    /// <summary>The newest change that started at or before t (whole seconds); the oldest one for earlier events.</summary>
    private static int ChangeAt(long timeNs, GenerationStart[] gens)
    {
        var t = Sec(timeNs);
        var found = 0;
        for (var g = 0; g < gens.Length; g++)
        {
            if (Sec(gens[g].StartNs) <= t) found = g;
        }
        return found;
    }

    /// <summary>
    /// How long each event span lasts (docs/trace-model.md, "Length"): only as long as the events say something took.
    /// <list type="bullet">
    /// <item>The first occurrence seen of an event that already counts N &gt; 1 repeats covers the repeats nobody saw:
    /// it starts when they began (<see cref="EventObserved.FirstNs"/>), but never before its parent.</item>
    /// <item><c>Pulling</c> ends at the first <c>Pulled</c> of the same container at or after it, unless the container's
    /// next <c>Pulling</c> comes first (that pull was the one that finished).</item>
    /// <item>Every other span is a point: it starts and ends when it happened.</item>
    /// </list>
    /// </summary>
    private static (long[] Start, long[] End) SpanTimes(EventObserved[] occ, int[] parent, TraceFamily family, Scratch scratch)
    {
        var n = occ.Length;
        var start = scratch.Start;
        var end = scratch.End;
        for (var i = 0; i < n; i++)
        {
            start[i] = end[i] = occ[i].TimeNs;
            if (CoversRepeats(occ[i], family)) start[i] = occ[i].FirstNs;
        }

        // Pulling → Pulled, per container of a pod (occ is sorted by time, so each list is too).
        var pulls = new Dictionary<(string? Uid, string Kind, string Ns, string Name, string? Container), List<int>>();
        for (var i = 0; i < n; i++)
        {
            var e = occ[i];
            if (e.Reason is not ("Pulling" or "Pulled")) continue;
            var key = e.ObjectUid is null ? (null, e.Kind, e.Namespace, e.Name, e.FieldPath) : (e.ObjectUid, "", "", "", e.FieldPath);
            if (!pulls.TryGetValue(key, out var list)) pulls[key] = list = [];
            list.Add(i);
        }
        foreach (var list in pulls.Values)
        {
            for (var a = 0; a < list.Count; a++)
            {
                var i = list[a];
                if (occ[i].Reason != "Pulling") continue;
                for (var b = a + 1; b < list.Count; b++)
                {
                    var j = list[b];
                    if (occ[j].Reason == "Pulled")
                    {
                        end[i] = occ[j].TimeNs;
                        break;
                    }
                    if (occ[j].TimeNs > occ[i].TimeNs) break; // a later pull of the same container began first
                }
            }
        }

        // A span covering unseen repeats starts no earlier than its parent (parents are points or roots; a root stretches).
        var settled = scratch.Settled;
        Array.Clear(settled, 0, n);
        for (var i = 0; i < n; i++) StartOf(i, 0);
        return (start, end);

        long StartOf(int i, int depth)
        {
            if (settled[i]) return start[i];
            settled[i] = true; // also guards against a parent cycle
            var p = parent[i];
            if (p != NoParent && depth < 64 && start[i] < occ[i].TimeNs) start[i] = Math.Min(occ[i].TimeNs, Math.Max(start[i], StartOf(p, depth + 1)));
            return start[i];
        }
    }

    /// <summary>
    /// The first occurrence seen of an event that had repeated before anyone looked (a List snapshot, a watch started late),
    /// with a known start of its repeats: its span covers them. An aggregate event ("(combined from similar events):
    /// Created job J") does not: its repeats were other actions.
    /// </summary>
    private static bool CoversRepeats(EventObserved e, TraceFamily family) =>
        e.Count > 1 && e.FirstNs != 0 && e.FirstNs < e.TimeNs && family.LowestCountSeen(e.Uid) >= e.Count && !EventMessages.IsCombined(e.Message);

    /// <summary>
    /// The per-span arrays of one assembly (a family is assembled at every export), kept per thread and reused: an
    /// assembly runs to its end before the next one starts on the thread (an actor's message), and nothing it returns
    /// refers to them. Sized for the largest family seen up to <see cref="MaxKept"/> spans; a larger one gets arrays
    /// of its own. Only the first n elements of each are used, each written before it is read.
    /// </summary>
    private sealed class Scratch
    {
        private const int MaxKept = 4096;

        [ThreadStatic] private static Scratch? _kept;

        private Scratch(int size)
        {
            Actions = new ControllerAction?[size];
            Parent = new int[size];
            Gen = new int[size];
            Start = new long[size];
            End = new long[size];
            Settled = new bool[size];
        }

        public ControllerAction?[] Actions { get; }

        public int[] Parent { get; }

        public int[] Gen { get; }

        public long[] Start { get; }

        public long[] End { get; }

        public bool[] Settled { get; }

        public static Scratch For(int n)
        {
            if (n > MaxKept) return new Scratch(n);
            if (_kept is { } kept && kept.Parent.Length >= n) return kept;
            return _kept = new Scratch(Math.Max(64, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n)));
        }
    }
}
