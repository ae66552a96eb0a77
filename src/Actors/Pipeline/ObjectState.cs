using System.Collections.Immutable;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// The state of one object's actor, and every decision it takes: which object is top-level, where a fact goes, when a
/// family is exported. One input at a time (a fact, an answer of the name index, a tick, the clock passed in as
/// <see cref="System.Diagnostics.Stopwatch"/> ticks); what it decides comes out through <see cref="IObjectEffects"/>.
/// No actor, no scheduler, no clock of its own: it is tested without a cluster.
/// <para>
/// An object learns itself (its snapshot) and its owner (from the snapshot's owner reference, or from the name index:
/// "Created pod: P" names the creator of a pod that is gone). A child hands every fact up to its owner, so the top-level
/// object's state ends up holding its whole family and decides the traces with <see cref="TraceAssembler"/>. An object
/// whose owner stays unknown becomes top-level itself: an event is never dropped.
/// </para>
/// </summary>
internal sealed class ObjectState
{
    private const int MaxRetainedActions = 2048;
    private const int MaxRememberedSpans = 128;
    private const int BusyExportPeriods = 2;

    /// <summary>Emitted-id sets of stopped actors, cleared, for the next top-level object (as <see cref="TraceFamily.Rent"/>).</summary>
    private static readonly BoundedPool<HashSet<ulong>> EmittedPool = new(256);

    private readonly PipelineServices _pipeline;
    private readonly IObjectEffects _out;

    private TimeSpan _idleAfter;

    /// <summary>When the idle tick scheduled last is due (a Stopwatch timestamp), 0 when none is pending.</summary>
    private long _idleDue;
    private long _lastMessage;
    private long _dirtySince;
    private long _pendingSince;
    private long _lastActivity;
    private bool _settleArmed;

    private ObjectRef? _identity;
    private ObjectObserved? _object;
    private (string Uid, ObjectRef Ref)? _owner;
    private (string Uid, ObjectRef Ref)? _top; // learned from the top-level actor: facts then skip the owners between
    private HashSet<string>? _toldTop;
    private bool _isTop;
    private bool _askedOwner;
    private long _askedAt;
    private long _fleetRemovals;
    private List<CarriedFact>? _pending;

    private TraceFamily? _family;
    private bool _dirty;
    private HashSet<ulong>? _emitted;
    private ImmutableArray<string> _selfPath;

    public ObjectState(string cluster, string uid, PipelineServices ctx, IObjectEffects effects)
    {
        Cluster = cluster;
        Uid = uid;
        _pipeline = ctx;
        _out = effects;
        _fleetRemovals = ctx.Fleet.Removals;
    }

    public string Cluster { get; }

    public string Uid { get; }

    public ObjectRole Role => _isTop ? ObjectRole.TopLevel : _owner is not null ? ObjectRole.Relaying : ObjectRole.Undecided;

    /// <summary>The object's kind, namespace and name, once anything said them.</summary>
    public ObjectRef? Identity => _identity;

    /// <summary>The owner facts go to (<see cref="ObjectRole.Relaying"/>).</summary>
    public (string Uid, ObjectRef Ref)? Owner => _owner;

    /// <summary>Facts waiting for the owner to be known (<see cref="ObjectRole.Undecided"/>).</summary>
    public int PendingCount => _pending?.Count ?? 0;

    /// <summary>Whether facts arrived since the last export (<see cref="ObjectRole.TopLevel"/>).</summary>
    public bool HasUnexported => _dirty;

    /// <summary>The family's occurrences held now (<see cref="ObjectRole.TopLevel"/>).</summary>
    public int HeldOccurrences => _family?.OccurrenceCount ?? 0;

    /// <summary>"cluster=c Pod ns/name uid=u", for log lines.</summary>
    public string Describe() => _identity is { } id
        ? $"cluster={Cluster} {id.Kind} {(id.Namespace.Length > 0 ? id.Namespace + "/" : "")}{id.Name} uid={Uid}"
        : $"cluster={Cluster} uid={Uid}";

    /// <summary>
    /// The actor started (first message to this entity, or recreated after passivation by a late event or a child's
    /// fact): it starts from the object as this process last saw it, so a top-level object knows at once that it is one
    /// (its trace goes on under the same root) and a child knows its owner, instead of waiting for an owner nobody names.
    /// </summary>
    public void Start(long now)
    {
        _pipeline.Metrics.ObjectActorStarted();
        _lastMessage = now;
        if (_pipeline.Settings.PassivateAfter is { } idle)
        {
            _idleAfter = idle;
            // The first look comes after the shorter period of a child (SetOwner) when there is one; a top-level object
            // then looks again after the remainder. A tick for the longer period, pending when a child stopped after the
            // shorter one, kept the stopped actor's cell reachable until it was due: 7 % of the live objects in the
            // benchmark's heap.
            LookIdleIn(ChildIdleAfter() ?? idle, now);
        }
        if (_pipeline.Objects.Snapshots.TryGet((Cluster, Uid), out var known)) OnOwnObject(known, now);
    }

    /// <summary>A message other than a tick arrived: the object is not idle.</summary>
    public void Touch(long now) => _lastMessage = now;

    /// <summary>
    /// A fact about this object (<paramref name="path"/> empty) or about a member of its family, handed up along
    /// <paramref name="path"/>; <paramref name="target"/> is how the sender knows this object.
    /// </summary>
    public void Accept(IFact fact, ImmutableArray<string> path, ObjectRef? target, long now)
    {
        if (target is { } t) LearnIdentity(t);
        CatchUpWithFleet(now);

        switch (fact)
        {
            case ObjectObserved o when o.Uid == Uid:
                OnOwnObject(o, now);
                break;
            case EventObserved e when path.IsEmpty:
                _identity ??= new ObjectRef(e.Kind, e.Namespace, e.Name);
                ClaimWhatThisEventActedOn(e);
                break;
            case ObjectDeleted when path.IsEmpty:
                return; // the tree does not depend on deletions (Killing finds the delete event by name)
        }

        if (!path.IsEmpty && path.IndexOf(Uid) is var seen and >= 0)
        {
            OnOwnerCycle(fact, path, seen, now);
            return;
        }

        if (!path.IsEmpty && path.Length >= _pipeline.Settings.MaxOwnerDepth)
        {
            // An absurdly deep chain: stop climbing here, this object becomes the top.
            _pipeline.Metrics.OwnerCycle();
            _out.Warning($"Owner chain deeper than {_pipeline.Settings.MaxOwnerDepth} at {Describe()}: path {string.Join(" -> ", path)}; treating this object as top-level");
            if (!_isTop) BecomeTop(now);
            Absorb(fact, now);
            return;
        }

        if (_isTop)
        {
            Absorb(fact, now);
            if (!path.IsEmpty) TellOriginItsTop(path[0]);
        }
        else if (_top is { } top && path.IsEmpty) Forward(top, fact, path);
        else if (path.IsEmpty && _owner is not null && _pipeline.Objects.TryResolveTop(Cluster, Uid, _pipeline.Settings.MaxOwnerDepth, out var targetUid, out var resolved, out var skipped))
        {
            // Its owners' snapshots are known here: straight to the first object that has none (the relays' path, skipped).
            _out.ToObjects(new Propagate(Cluster, targetUid, resolved, fact, skipped.Length == 1 ? SelfPath : skipped));
        }
        else if (_owner is { } owner) Forward(owner, fact, path);
        else
        {
            if (_pending is null)
            {
                _pending = [];
                _pendingSince = now;
            }
            _pending.Add(new CarriedFact(fact, path));
            if (_object is null && !_askedOwner && _identity is { } id) AskOwner(id, now);
            ScheduleSettle(now);
        }
    }

    /// <summary>The name index answered who created, deleted or scaled this object.</summary>
    public void OnOwnerClaimed(string ownerUid, ObjectRef owner)
    {
        if (_isTop || _owner is not null || _object is not null) return;
        if (ownerUid == Uid) return;
        SetOwner((ownerUid, owner));
    }

    /// <summary>The top-level object of this object's family says where facts can go straight away.</summary>
    public void OnTopIs(string topUid, ObjectRef top)
    {
        if (_isTop || topUid == Uid) return;
        _top = (topUid, top);
        _pipeline.Objects.Routes.Learn(Cluster, Uid, topUid, top);
    }

    /// <summary>End of input: an object whose owner is still unknown becomes top-level.</summary>
    public void Finalize(long now) => DecideTopIfUndecided("no owner found by the end of input", now);

    /// <summary>The idle tick: passivate when idle and nothing waits for an owner; otherwise look again later.</summary>
    public void OnIdleTick(long now)
    {
        _idleDue = 0; // this tick, or one due earlier than the last asked for: at worst one more tick is asked for
        var idleFor = System.Diagnostics.Stopwatch.GetElapsedTime(_lastMessage, now);
        if (idleFor < _idleAfter)
        {
            LookIdleIn(_idleAfter - idleFor, now);
            return;
        }
        if (WaitsForExporter)
        {
            // Spans still to export while the exporter is behind: the settle tick sends them once it caught up.
            LookIdleIn(_idleAfter, now);
            return;
        }
        if (_pending is null || _pending.Count == 0)
        {
            if (_dirty) Emit();
            _out.Passivate();
        }
        else LookIdleIn(_idleAfter, now); // still waiting for its owner: look again one idle period later
    }

    /// <summary>A top-level object with spans to export while this node's exporter is behind (its sources held): they wait.</summary>
    private bool WaitsForExporter => _isTop && _dirty && _pipeline.Tracker.ExportBehind;

    /// <summary>Schedules an idle tick unless one is due at or before the same moment.</summary>
    private void LookIdleIn(TimeSpan delay, long now)
    {
        var due = now + (long)(delay.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        if (_idleDue != 0 && _idleDue <= due) return;
        _idleDue = due;
        _out.IdleIn(delay);
    }

    /// <summary>A child's shorter idle period (it only relays), when settling and passivation leave room for one.</summary>
    private TimeSpan? ChildIdleAfter() =>
        _pipeline.Settings.PassivateAfter is { } idle && _pipeline.Settings.SettleAfter is { } settle && settle * 2 < idle ? settle * 2 : null;

    /// <summary>
    /// The actor stops after it passivated: what reached it after its last look (facts already in its mailbox when it
    /// asked to stop) is not lost. A top-level object exports it now; facts still waiting for the owner go back to the
    /// shard region as one batch for this object, which the region holds until this actor has stopped and then gives
    /// to its next incarnation. Its tables go back to the pools for the next actor.
    /// </summary>
    public void Release()
    {
        if (_isTop && _dirty) Emit();
        if (_pending is { Count: > 0 } pending)
        {
            _out.ToObjects(new FactBatch(Cluster, Uid, _identity ?? new ObjectRef("Unknown", "", Uid), [.. pending]));
            _pending = null;
        }
        _family?.Return();
        _family = null;
        if (_emitted is { } emitted) Recycle(emitted);
        _emitted = null;
    }

    /// <summary>An emitted-id set no longer used, to the pool unless it grew large.</summary>
    private static void Recycle(HashSet<ulong> emitted)
    {
        if (emitted.EnsureCapacity(0) > 4 * MaxRememberedSpans) return;
        emitted.Clear();
        EmittedPool.Return(emitted);
    }

    /// <summary>The settle tick: export a quiet (or overdue) family, or decide that an orphan is top-level.</summary>
    public void OnSettleTick(long now)
    {
        _settleArmed = false;
        if (!_isTop && _owner is not null) return; // a child that found its owner has nothing to settle
        if (!_isTop && _object is null && _pipeline.Objects.Snapshots.TryGet((Cluster, Uid), out var known))
        {
            // The object's snapshot was seen here but went past this actor (a source sent it straight to the top while a
            // fact named only by the object's name reached this actor): it says who the owner is.
            OnOwnObject(known, now);
            if (_owner is not null) return;
        }
        var askedAgain = CatchUpWithFleet(now);
        var waitsForOwner = !_isTop && _owner is null && _object is null && _pending is { Count: > 0 } && _identity is not null;
        var holds = _pipeline.Fleet.HoldsExports;
        if (holds && waitsForOwner)
        {
            // While a replica is unreachable or was just removed, a question or its answer may have gone to it: ask
            // again every settle period (once), and wait the full orphan period after the last question.
            if (!askedAgain) AskOwner(_identity!.Value, now);
            _pendingSince = now;
        }
        var quiet = System.Diagnostics.Stopwatch.GetElapsedTime(_lastActivity, now);
        // Deciding that an object has no owner cannot be undone: wait a few settle periods for it.
        var settle = _pipeline.Settings.SettleAfter ?? TimeSpan.Zero;
        var wait = _isTop ? settle : settle * 4;
        // An object that is never quiet (a crash loop) still exports, at least every two settle periods: what it
        // holds meanwhile (every fact since its last export) is bounded by its event rate times that. Spans exported
        // early stay under the same root (roots and span ids are remembered).
        var overdue = _isTop && _dirty && System.Diagnostics.Stopwatch.GetElapsedTime(_dirtySince, now) >= wait * BusyExportPeriods;
        // Likewise an object whose owner is still unknown decides once its oldest waiting fact has waited the orphan
        // period, quiet or not: a busy orphan (a pod recreated by its events after its owner's name was forgotten)
        // would otherwise hold every fact it is sent.
        overdue |= !_isTop && _owner is null && _pending is { Count: > 0 } && System.Diagnostics.Stopwatch.GetElapsedTime(_pendingSince, now) >= wait;
        if (quiet < wait && !overdue)
        {
            // Look again when it is quiet enough, or when a busy family falls due, whichever comes first: a tick only at
            // the quiet mark would find a busy family overdue up to a settle period late.
            var next = wait - quiet;
            if (_isTop && _dirty)
            {
                // A millisecond past the mark, so the tick finds it due whatever the rounding of the clock's ticks.
                var due = wait * BusyExportPeriods - System.Diagnostics.Stopwatch.GetElapsedTime(_dirtySince, now) + TimeSpan.FromMilliseconds(1);
                if (due < next) next = due > TimeSpan.FromMilliseconds(1) ? due : TimeSpan.FromMilliseconds(1);
            }
            // Asking again every settle period while the fleet holds (above) needs a tick every settle period.
            if (holds && waitsForOwner && settle < next) next = settle;
            ArmSettle(next);
            return;
        }
        if (holds && wait > TimeSpan.Zero)
        {
            // A replica is unreachable or was just removed: facts of its clusters are late; decide later.
            ArmSettle(settle);
            return;
        }
        if (waitsForOwner && System.Diagnostics.Stopwatch.GetElapsedTime(_askedAt, now) is var sinceAsked && sinceAsked < wait)
        {
            // Its last question is recent (asked again after a replica was removed, whose name buckets held the earlier
            // ones): its answer may still be on the way, after the relist that rebuilds those buckets. Decided only
            // once the orphan period has passed since that question, as after the first.
            ArmSettle(wait - sinceAsked);
            return;
        }
        if (WaitsForExporter)
        {
            // This node's exporter works but is behind, and its sources are held: what the families hold waits here a
            // settle period longer instead of becoming spans a full buffer would drop (a burst read before the sources
            // were held overflowed it). Spans of a busy family go out late, together, under the same root.
            ArmSettle(settle);
            return;
        }
        DecideTopIfUndecided("no owner found within the settle period", now);
        Emit();
    }

    /// <summary>Exports what a top-level object holds that it did not export yet.</summary>
    public void Emit()
    {
        if (!_isTop || !_dirty || _family is null) return;
        _dirty = false;
        _pipeline.ClusterUids.TryGetValue(Cluster, out var clusterUid);
        var emitted = _emitted ??= EmittedPool.TryRent() ?? [];
        var traces = TraceAssembler.Assemble(_family, clusterUid, emitted);
        // A root this process exported before (this actor was passivated and recreated by a late event): not again, and
        // its spans go under that root (a topLevelSpan event that came late becomes a span of its own).
        var known = false;
        foreach (var t in traces)
        {
            foreach (var s in t.Spans)
            {
                if (s.IsRoot && _pipeline.Objects.ExportedRoots.Contains(s.SpanId.Value) && emitted.Add(s.SpanId.Value)) known = true;
            }
        }
        if (known) traces = TraceAssembler.Assemble(_family, clusterUid, emitted);
        for (var i = traces.Count - 1; i >= 0; i--)
        {
            var trace = traces[i];
            foreach (var s in trace.Spans)
            {
                emitted.Add(s.SpanId.Value);
                if (s.IsRoot)
                {
                    _pipeline.Objects.ExportedRoots.FirstTime(s.SpanId.Value);
                    if (TraceAssembler.OccurrenceIdOfRoot(s) is { } occurrence) emitted.Add(occurrence.Value);
                }
            }
            _pipeline.Metrics.Emitted(trace.Spans.Length);
        }
        if (traces.Count > 0) _out.Export(traces);

        // Keep what later events may still hang under (controller actions, topLevelSpan roots); forget the rest.
        _family.ForgetExcept(static e => e.TopLevelSpan || EventMessages.IsControllerAction(e.Reason));

        // A window, not a history: an object that lives for weeks (a crash loop, a Deployment scaled all day) keeps its
        // most recent controller actions and remembers only the span ids it may still be asked about.
        if (_family.OccurrenceCount > MaxRetainedActions)
        {
            _family.Forget(_family.Occurrences.OrderBy(e => e.TimeNs).Take(_family.OccurrenceCount - MaxRetainedActions / 2).ToList());
        }
        if (emitted.Count > MaxRememberedSpans)
        {
            // Roots are remembered per process (Roots); the retained actions must not be exported again. Occurrences
            // forgotten above cannot come back from a watch (its OccurrenceFilter passes each one once), so a window of
            // recent ids is enough. A new set, not Clear(): a cleared HashSet keeps its grown arrays.
            var retained = new HashSet<ulong>();
            foreach (var e in _family.Occurrences) retained.Add(StableHash.Event(Cluster, e.Uid, e.Count).Value);
            Recycle(emitted);
            _emitted = retained;
        }
    }

    /// <summary>
    /// This entity's shard moves to another replica: its state as one message for its successor, or, with no other
    /// replica to take it (the last one leaving), null after exporting everything it holds. A top-level object exports
    /// what it holds first either way: if the successor's replica is leaving too (a whole fleet stopping), nothing is
    /// lost, and the successor gets the exported span ids and will not repeat them.
    /// </summary>
    public ObjectHandOff? HandOff(bool successorExists, long now)
    {
        if (!successorExists)
        {
            DecideTopIfUndecided("this node is leaving", now);
            if (_family is not null) _dirty = true;
            Emit();
            return null;
        }
        if (_isTop && _dirty) Emit();
        var facts = ImmutableArray.CreateBuilder<CarriedFact>();
        if (_pending is not null) facts.AddRange(_pending);
        if (_family is not null)
        {
            foreach (var o in _family.Objects.Values)
            {
                if (o.Uid != Uid) facts.Add(new CarriedFact(o, [o.Uid]));
            }
            foreach (var e in _family.Occurrences)
            {
                facts.Add(new CarriedFact(e, e.ObjectUid == Uid ? [] : [e.ObjectUid ?? "~"]));
            }
        }
        var owner = _object is null ? _owner : null;
        return new ObjectHandOff(EntityIds.Object(Cluster, Uid), _isTop, _identity, _emitted is null ? [] : [.. _emitted],
            _object, owner?.Uid, owner?.Ref, facts.ToImmutable());
    }

    /// <summary>The predecessor's state arrived (this entity's shard moved here): merged into what this one holds.</summary>
    public void Restore(ObjectHandOff h, long now)
    {
        if (!h.Emitted.IsDefaultOrEmpty) (_emitted ??= []).UnionWith(h.Emitted);
        if (_identity is null && h.Identity is { } id) _identity = id;
        if (h.WasTop && !_isTop) BecomeTop(now);
        if (h.Observed is { } o) Accept(o, [], null, now);
        if (h.OwnerUid is { } ownerUid && h.Owner is { } owner) OnOwnerClaimed(ownerUid, owner);
        var me = _identity ?? new ObjectRef("Unknown", "", Uid);
        foreach (var f in h.Facts.IsDefault ? [] : h.Facts) Accept(f.Fact, f.Path, me, now);
    }

    /// <summary>
    /// A replica was removed, and with it the name-index buckets it held: what this object asked there is gone (what it
    /// registered and claimed is said again with every fact that says it, which a relist brings back). An object still
    /// waiting for its owner asks again, once the regions route around the removed replica. True when it asked.
    /// </summary>
    private bool CatchUpWithFleet(long now)
    {
        if (_pipeline.Fleet.Removals == _fleetRemovals) return false;
        _fleetRemovals = _pipeline.Fleet.Removals;
        if (!_askedOwner) return false;
        _askedOwner = false;
        if (_isTop || _owner is not null || _object is not null || _identity is not { } id) return false;
        AskOwner(id, now);
        return true;
    }

    /// <summary>Asks the name index who created, deleted or scaled this object (answered with <see cref="OwnerClaimed"/>).</summary>
    private void AskOwner(ObjectRef identity, long now)
    {
        _askedOwner = true;
        _askedAt = now;
        _out.ToNames(new WhoOwns(Cluster, identity, Uid));
    }

    /// <summary>
    /// A fact came back to this object around an owner cycle. Whatever the arrival order, the member of the cycle with
    /// the ordinally smallest uid becomes the cycle's top-level object and holds every fact of it: the others send their
    /// facts there, so one cycle gives one trace and is counted once.
    /// </summary>
    private void OnOwnerCycle(IFact fact, ImmutableArray<string> path, int seen, long now)
    {
        var top = Uid;
        for (var i = seen; i < path.Length; i++)
        {
            if (string.CompareOrdinal(path[i], top) < 0) top = path[i];
        }
        if (top != Uid)
        {
            _out.ToObjects(new Propagate(Cluster, top, new ObjectRef("Unknown", "", top), fact, path.Add(Uid)));
            return;
        }
        if (!_isTop)
        {
            _pipeline.Metrics.OwnerCycle();
            _out.Warning($"Owner cycle at {Describe()}: path {string.Join(" -> ", path.Skip(seen).Append(Uid))}; treating this object as the top-level object of the cycle");
            BecomeTop(now);
        }
        Absorb(fact, now);
    }

    private void OnOwnObject(ObjectObserved o, long now)
    {
        if (_object is null || o.Generation > _object.Generation || o.ResourceVersion >= _object.ResourceVersion)
        {
            _object = o;
            _pipeline.Objects.Remember(o);
        }
        _identity = new ObjectRef(o.Kind, o.Namespace, o.Name);
        if (o.Owners.IsDefaultOrEmpty)
        {
            // Events without a uid (Flux) name top-level objects; owned objects are found through their uid. Said with
            // every snapshot, not once: the bucket that heard it may have been on a replica that crashed since, and a
            // relist brings the snapshot again (the index keeps one entry per name and uid).
            _out.ToNames(new NameObserved(Cluster, _identity.Value, Uid, o.CreatedNs));
        }
        if (_isTop) return;
        if (o.Owner is { } ownerRef)
        {
            if (ownerRef.Uid == Uid)
            {
                _pipeline.Metrics.OwnerCycle();
                _out.Warning($"Object owns itself at {Describe()}; treating it as top-level");
                BecomeTop(now);
                return;
            }
            if (_owner is null) SetOwner(ObjectMemory.OwnerOf(o)!.Value);
        }
        else
        {
            BecomeTop(now);
        }
    }

    /// <summary>
    /// How a dependent names its owner: an owner reference has no namespace, and an owner of a cluster-scoped kind (a Node
    /// owning mirror pods, OpenShift's ClusterVersion) has none either, whichever namespace its dependents live in.
    /// </summary>
    internal static ObjectRef OwnerRefOf(string kind, string dependentNamespace, string name)
    {
        Ingest.InvolvedObject.Canonical(kind, out var clusterScoped);
        return new ObjectRef(kind, clusterScoped ? "" : dependentNamespace, name);
    }

    /// <summary>
    /// What a fact's sender calls this object, kept until its own snapshot says better. Dependents in two namespaces name
    /// an owner of a kind this process does not know (a cluster-scoped custom resource): only a cluster-scoped object can
    /// own both, so it has no namespace, and its trace is one whatever order its dependents speak in.
    /// </summary>
    private void LearnIdentity(ObjectRef said)
    {
        if (_identity is not { } known)
        {
            _identity = said;
            return;
        }
        if (_object is not null || known.Namespace.Length == 0 || said.Namespace == known.Namespace) return;
        if (said.Kind != known.Kind || said.Name != known.Name) return;
        _identity = known with { Namespace = "" };
        _family?.Rename(_identity.Value);
    }

    private void ClaimWhatThisEventActedOn(EventObserved e)
    {
        if (e.ObjectUid != Uid) return;
        if (!EventMessages.IsControllerAction(e.Reason)) return;
        if (!EventMessages.TryParse(e.Kind, e.Reason, e.Message, out var action))
        {
            if (EventMessages.NamesNoChild(e.Reason, e.Message)) return;
            _pipeline.Metrics.UnreadableAction();
            _out.Debug($"{Describe()}: {e.Kind}.{e.Reason} event {e.EventUid} does not say what was done (\"{TextLine.Of(e.Message, 80)}\"); it is a span, never a parent");
            return;
        }
        // Every time, not once per target: the bucket that heard it may have been on a replica that crashed since, and a
        // relist brings the event again (the index keeps one claim per name).
        _out.ToNames(ClaimOf(e, action));
    }

    /// <summary>What a controller's event (about object e.ObjectUid) tells the name index: the object it acted on.</summary>
    internal static ClaimName ClaimOf(EventObserved e, ControllerAction action) =>
        new(e.Cluster, new ObjectRef(action.TargetKind, e.Namespace, action.TargetName), e.ObjectUid!, new ObjectRef(e.Kind, e.Namespace, e.Name));

    private void SetOwner((string Uid, ObjectRef Ref) owner)
    {
        _owner = owner;
        if (_pending is not null)
        {
            foreach (var (fact, path) in _pending) Forward(owner, fact, path);
            _pending = null;
        }
        // A child only relays to its owner and holds little: it can go idle sooner than a top-level object, which
        // keeps its family (late events) for the full passivation period.
        if (ChildIdleAfter() is { } childIdle)
        {
            // Looked at again after the shorter period (the tick pending is mostly the first look, due already by then).
            _idleAfter = childIdle;
            LookIdleIn(_idleAfter, System.Diagnostics.Stopwatch.GetTimestamp());
        }
    }

    /// <summary>A fact climbed through intermediate owners: tell its origin to send straight here from now on (fewer hops).</summary>
    private void TellOriginItsTop(string originUid)
    {
        _toldTop ??= new HashSet<string>(StringComparer.Ordinal);
        if (!_toldTop.Add(originUid) || _identity is not { } me) return;
        // The sources of this process find this object from the origin's snapshot themselves: no need to tell it (and
        // wake its actor for that).
        if (_pipeline.Objects.TryResolveTop(Cluster, originUid, _pipeline.Settings.MaxOwnerDepth, out var resolved, out _, out _) && resolved == Uid) return;
        _out.ToObjects(new TopIs(Cluster, originUid, Uid, me));
    }

    private void Forward((string Uid, ObjectRef Ref) owner, IFact fact, ImmutableArray<string> path) =>
        _out.ToObjects(new Propagate(Cluster, owner.Uid, owner.Ref, fact, path.IsEmpty ? SelfPath : path.Add(Uid)));

    /// <summary>The path of a fact this object hands on first (most of them): one array per actor, not one per fact.</summary>
    private ImmutableArray<string> SelfPath => _selfPath.IsDefault ? _selfPath = [Uid] : _selfPath;

    private void DecideTopIfUndecided(string why, long now)
    {
        if (_isTop || _owner is not null) return;
        if (_object is null)
        {
            _pipeline.Metrics.Orphan();
            _out.Debug($"{Describe()}: {why}; its events form a trace of their own");
        }
        BecomeTop(now);
    }

    private void BecomeTop(long now)
    {
        _isTop = true;
        _owner = null;
        _family ??= TraceFamily.Rent(Cluster, Uid, _identity ?? new ObjectRef("Unknown", "", Uid));
        if (_object is not null) _family.Add(_object);
        if (_pending is not null)
        {
            foreach (var (fact, _) in _pending) Absorb(fact, now);
            _pending = null;
        }
        ScheduleSettle(now);
    }

    private void Absorb(IFact fact, long now)
    {
        _family ??= TraceFamily.Rent(Cluster, Uid, _identity ?? new ObjectRef("Unknown", "", Uid));
        if (_family.Add(fact))
        {
            if (!_dirty) _dirtySince = now;
            _dirty = true;
        }
        ScheduleSettle(now);
    }

    /// <summary>Notes activity; one timer per quiet period (re-armed for the remainder when it fires early), not one per fact.</summary>
    private void ScheduleSettle(long now)
    {
        _lastActivity = now;
        if (_pipeline.Settings.SettleAfter is { } settle && !_settleArmed) ArmSettle(settle);
    }

    private void ArmSettle(TimeSpan delay)
    {
        _settleArmed = true;
        _out.SettleIn(delay);
    }
}
