using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// Finds the phases of a trace from what its events mean, never from how long a span is drawn:
/// <list type="bullet">
/// <item>scheduling: the pod's create (the <c>SuccessfulCreate</c> it hangs under, else the root of a bare pod) →
/// <c>Scheduled</c>; <c>FailedScheduling</c> inside it makes it "unschedulable: message";</item>
/// <item>image pull: <c>Pulling</c> → <c>Pulled</c> of a container, retries included; image failures
/// (<c>Failed</c>/<c>ErrImagePull</c>/<c>BackOff</c> pulling the image) make it "image pull failing", and a pull that
/// never finished lasts until the last of them;</item>
/// <item>container start: <c>Created</c> → <c>Started</c> of a container;</item>
/// <item>crash looping: from the first to the last <c>BackOff</c> (restarting a container) or <c>Unhealthy</c> of a pod;</item>
/// <item>controller: a <c>ScalingReplicaSet</c> → the first create it caused (later creates under it replace pods
/// that went away: the time before them is not the controller's);</item>
/// <item>termination: a pod's delete → its <c>Killing</c>.</item>
/// </list>
/// Pure: the same spans give the same phases.
/// </summary>
internal static class TracePhases
{
    private const int MessageWidth = 50;

    public static List<Phase> Of(IReadOnlyList<SpanRecord> spans, SpanRecord root)
    {
        var byId = new Dictionary<SpanId, SpanRecord>();
        foreach (var s in spans) byId.TryAdd(s.SpanId, s);

        var phases = new List<Phase>();
        var pods = new Dictionary<string, PodEvents>(StringComparer.Ordinal);
        var firstCreate = new Dictionary<SpanId, SpanRecord>();
        foreach (var s in spans)
        {
            if (ReferenceEquals(s, root) || s.Attribute("k8s.event.uid") is null) continue;
            var parent = s.ParentSpanId.IsNone ? null : byId.GetValueOrDefault(s.ParentSpanId);
            var (kind, reason) = KindAndReason(s);

            if (reason == "SuccessfulCreate" && parent is not null && Reason(parent) == "ScalingReplicaSet")
            {
                // The scaling's reaction is its first create; later ones under it replace pods that went away.
                if (!firstCreate.TryGetValue(parent.SpanId, out var known) || s.StartNs < known.StartNs) firstCreate[parent.SpanId] = s;
                continue;
            }
            if (kind != "Pod") continue;

            if (reason == "Killing" && parent is not null && Reason(parent) == "SuccessfulDelete")
            {
                var deleted = LatestAtOrBefore(parent, s.StartNs);
                phases.Add(new Phase(PhaseKind.Termination, "termination", Math.Min(deleted, s.StartNs), Math.Max(deleted, s.StartNs), parent.SpanId));
                continue;
            }

            var key = s.Attribute("k8s.pod.uid") ?? $"{s.Attribute("k8s.namespace.name")}/{s.Attribute("k8s.pod.name")}@{s.ParentSpanId}";
            if (!pods.TryGetValue(key, out var pod)) pods[key] = pod = new PodEvents(s.Attribute("k8s.pod.name"));
            pod.Add(s, reason, parent);
        }

        foreach (var (scaling, create) in firstCreate)
        {
            var start = LatestAtOrBefore(byId[scaling], create.StartNs);
            phases.Add(new Phase(PhaseKind.Controller, "controller", start, Math.Max(start, create.StartNs), scaling));
        }
        foreach (var pod in pods.Values) pod.AddPhases(phases, root);
        phases.Sort(static (a, b) =>
        {
            var c = a.StartNs.CompareTo(b.StartNs);
            if (c == 0) c = a.EndNs.CompareTo(b.EndNs);
            if (c == 0) c = a.Kind.CompareTo(b.Kind);
            return c != 0 ? c : string.CompareOrdinal(a.Label, b.Label);
        });
        return phases;
    }

    /// <summary>
    /// When a controller action that caused something at <paramref name="t"/> happened: its span's end (its latest
    /// occurrence, for a span that covers repeats) unless that is later than <paramref name="t"/>, then its start.
    /// </summary>
    private static long LatestAtOrBefore(SpanRecord action, long t) => action.EndNs <= t ? action.EndNs : action.StartNs;

    /// <summary>A failure to get the image: the kubelet's <c>Failed</c>/<c>BackOff</c> about pulling it, <c>ErrImagePull</c>...</summary>
    public static bool IsImageFailure(string reason, string? message)
    {
        if (reason is "ErrImagePull" or "ImagePullBackOff" or "ErrImageNeverPull" or "InvalidImageName" or "InspectFailed") return true;
        if (reason is not ("Failed" or "BackOff") || string.IsNullOrEmpty(message)) return false;
        return message.StartsWith("Failed to pull image", StringComparison.Ordinal)
            || message.StartsWith("Back-off pulling image", StringComparison.Ordinal)
            || message.StartsWith("Error: ErrImagePull", StringComparison.Ordinal)
            || message.StartsWith("Error: ImagePullBackOff", StringComparison.Ordinal)
            || message.StartsWith("Error: ErrImageNeverPull", StringComparison.Ordinal)
            || message.StartsWith("Error: InvalidImageName", StringComparison.Ordinal)
            || message.StartsWith("Failed to inspect image", StringComparison.Ordinal)
            || message.StartsWith("Failed to apply default image tag", StringComparison.Ordinal);
    }

    private static (string Kind, string Reason) KindAndReason(SpanRecord s)
    {
        var dot = s.Name.IndexOf('.', StringComparison.Ordinal);
        var kind = dot < 0 ? s.Name : s.Name[..dot];
        return (kind, s.Attribute("k8s.event.reason") ?? (dot < 0 ? s.Name : s.Name[(dot + 1)..]));
    }

    private static string Reason(SpanRecord s) => KindAndReason(s).Reason;

    private static string? EventMessage(SpanRecord s) => s.Attribute(TraceShape.MessageAttribute) ?? s.StatusMessage;

    /// <summary>Something that happened to a container, in the order a sweep over time meets it.</summary>
    private enum Step
    {
        Begin = 0,
        Fail = 1,
        Done = 2,
    }

    /// <summary>The events of one pod, sorted into what the phases need.</summary>
    private sealed class PodEvents(string? name)
    {
        private readonly List<SpanRecord> _scheduled = [];
        private readonly List<SpanRecord> _unschedulable = [];
        private readonly List<SpanRecord> _crashLoop = [];
        private readonly Dictionary<string, List<(long T, Step Step)>> _pulls = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<(long T, Step Step)>> _starts = new(StringComparer.Ordinal);
        private readonly List<SpanRecord> _pulling = [];
        private readonly HashSet<long> _pulledAt = [];
        private long _createdNs = long.MaxValue;
        private SpanId? _firstParent;

        /// <summary>Where the pod's phases hang: the create that made it, else the span its first event hangs under.</summary>
        private SpanId Anchor { get; set; }

        public void Add(SpanRecord s, string reason, SpanRecord? parent)
        {
            _firstParent ??= s.ParentSpanId;
            if (parent is not null && Reason(parent) == "SuccessfulCreate" && parent.StartNs < _createdNs)
            {
                _createdNs = parent.StartNs;
                Anchor = parent.SpanId;
            }
            var container = s.Attribute("k8s.container.name") ?? "";
            switch (reason)
            {
                case "Scheduled":
                    _scheduled.Add(s);
                    break;
                case "FailedScheduling":
                    _unschedulable.Add(s);
                    break;
                case "Pulling":
                    _pulling.Add(s);
                    Moment(_pulls, container, s.StartNs, Step.Begin);
                    break;
                case "Pulled":
                    _pulledAt.Add(s.StartNs);
                    _pulledAt.Add(s.EndNs);
                    Moment(_pulls, container, s.StartNs, Step.Done);
                    Moment(_pulls, container, s.EndNs, Step.Done);
                    break;
                case "Created":
                    Moment(_starts, container, s.StartNs, Step.Begin);
                    Moment(_starts, container, s.EndNs, Step.Begin);
                    break;
                case "Started":
                    Moment(_starts, container, s.StartNs, Step.Done);
                    Moment(_starts, container, s.EndNs, Step.Done);
                    break;
                case "Unhealthy":
                    _crashLoop.Add(s);
                    break;
                default:
                    if (IsImageFailure(reason, EventMessage(s)))
                    {
                        Moment(_pulls, container, s.StartNs, Step.Fail);
                        Moment(_pulls, container, s.EndNs, Step.Fail);
                    }
                    else if (reason == "BackOff")
                    {
                        _crashLoop.Add(s);
                    }
                    break;
            }
        }

        public void AddPhases(List<Phase> phases, SpanRecord root)
        {
            if (_createdNs == long.MaxValue) Anchor = _firstParent ?? root.SpanId;
            // A Pulling that covers unseen repeats and was not ended by a Pulled: its last repeat began at its end.
            foreach (var s in _pulling)
            {
                if (s.EndNs > s.StartNs && !_pulledAt.Contains(s.EndNs)) Moment(_pulls, s.Attribute("k8s.container.name") ?? "", s.EndNs, Step.Begin);
            }

            Scheduling(phases, root);
            foreach (var moments in _pulls.Values) Sweep(moments, phases, PhaseKind.ImagePull, unfinishedLasts: true, Anchor);
            foreach (var moments in _starts.Values) Sweep(moments, phases, PhaseKind.ContainerStart, unfinishedLasts: false, Anchor);
            if (_crashLoop.Count > 0)
            {
                phases.Add(new Phase(PhaseKind.CrashLooping, "crash looping", _crashLoop.Min(static s => s.StartNs), _crashLoop.Max(static s => s.EndNs), Anchor));
            }
        }

        private void Scheduling(List<Phase> phases, SpanRecord root)
        {
            var created = _createdNs != long.MaxValue ? _createdNs
                : name is not null && root.Attribute("k8s.pod.name") == name ? root.StartNs // a bare pod's trace starts at its creation
                : long.MaxValue;
            if (created == long.MaxValue && _unschedulable.Count > 0) created = _unschedulable.Min(static s => s.StartNs);
            if (created == long.MaxValue) return;

            long end;
            var scheduled = _scheduled.Where(s => s.StartNs >= created).MinBy(static s => s.StartNs) ?? _scheduled.MinBy(static s => s.StartNs);
            if (scheduled is not null) end = Math.Max(created, scheduled.StartNs);
            else if (_unschedulable.Count > 0) end = Math.Max(created, _unschedulable.Max(static s => s.EndNs)); // still waiting for a node
            else return;

            // Why it waited: the most repeated FailedScheduling before it was scheduled (the earliest of those).
            var why = _unschedulable
                .Where(s => s.StartNs <= end)
                .OrderByDescending(static s => s.Attribute("k8s.event.count") is { } c && long.TryParse(c, out var n) ? n : 1)
                .ThenBy(static s => s.StartNs)
                .FirstOrDefault();
            var label = why is null ? "scheduling"
                : EventMessage(why) is { } message && !string.IsNullOrWhiteSpace(message) ? "unschedulable: " + TextCell.Truncate(TextLine.Of(message), MessageWidth)
                : "unschedulable";
            phases.Add(new Phase(PhaseKind.Scheduling, label, created, end, Anchor));
        }

        private static void Moment(Dictionary<string, List<(long, Step)>> byContainer, string container, long t, Step step)
        {
            if (!byContainer.TryGetValue(container, out var list)) byContainer[container] = list = [];
            list.Add((t, step));
        }

        /// <summary>
        /// Walks a container's moments in time order: a begin opens a phase, a done closes it. An image failure inside it
        /// makes it failing (and opens one when the pull began before anything was seen); a phase still open at the end
        /// lasts until its last moment when <paramref name="unfinishedLasts"/>, else it is left out.
        /// </summary>
        private static void Sweep(List<(long T, Step Step)> moments, List<Phase> phases, PhaseKind kind, bool unfinishedLasts, SpanId anchor)
        {
            moments.Sort();
            long? open = null;
            var failing = false;
            long last = 0;
            foreach (var (t, step) in moments)
            {
                switch (step)
                {
                    case Step.Begin:
                        open ??= t;
                        last = t;
                        break;
                    case Step.Fail:
                        open ??= t;
                        failing = true;
                        last = t;
                        break;
                    case Step.Done when open is { } from:
                        phases.Add(new Phase(kind, Label(kind, failing), from, t, anchor));
                        open = null;
                        failing = false;
                        break;
                }
            }
            if (open is { } still && unfinishedLasts) phases.Add(new Phase(kind, Label(kind, failing), still, Math.Max(still, last), anchor));
        }

        private static string Label(PhaseKind kind, bool failing) => kind switch
        {
            PhaseKind.ImagePull => failing ? "image pull failing" : "image pull",
            _ => "container start",
        };
    }
}
