using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using KSpanActors.Watch;
using P = KSpanActors.Serialization.Proto;

namespace KSpanActors.Serialization;

/// <summary>
/// Serializes every <see cref="IKSpanMessage"/> (the messages that cross nodes) as the protobuf messages of
/// <c>Protos/kspan/messages.proto</c>, with a short string manifest per type. Bound to <see cref="IKSpanMessage"/>
/// by <see cref="SerializationHosting.WithKSpanSerializer"/>.
/// </summary>
/// <remarks>
/// Non-nullable strings that are null at run time (a default <see cref="ObjectRef"/>) are written as "" and read
/// back as ""; nullable ones are protobuf <c>optional</c> and come back null. A default (uninitialised)
/// <see cref="ImmutableArray{T}"/> comes back empty. Changing <see cref="Id"/> or a manifest breaks rolling upgrades.
/// </remarks>
public sealed class KSpanSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// Serializer id written into every remote envelope. Akka reserves 0–100 for its own serializers;
    /// 9871 is ours and must never change (nodes of different versions must agree on it).
    /// </summary>
    public const int Id = 9871;

    // Manifests: short, stable, one per concrete IKSpanMessage type. Never rename one that has shipped.
    internal const string ObserveManifest = "obs";
    internal const string PropagateManifest = "prop";
    internal const string OwnerClaimedManifest = "own";
    internal const string TopIsManifest = "top";
    internal const string FinalizeObjectManifest = "fin";
    internal const string EmitObjectManifest = "emit";
    internal const string NameObservedManifest = "nobs";
    internal const string ClaimNameManifest = "claim";
    internal const string WhoOwnsManifest = "who";
    internal const string ObserveByNameManifest = "obn";
    internal const string FinalizeNameManifest = "finn";
    internal const string StartWatchingManifest = "wstart";
    internal const string StopWatchingManifest = "wstop";
    internal const string RestoredManifest = "rest";
    internal const string FlowCreditManifest = "cred";

    public KSpanSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        Observe => ObserveManifest,
        Propagate => PropagateManifest,
        OwnerClaimed => OwnerClaimedManifest,
        TopIs => TopIsManifest,
        FinalizeObject => FinalizeObjectManifest,
        EmitObject => EmitObjectManifest,
        NameObserved => NameObservedManifest,
        ClaimName => ClaimNameManifest,
        WhoOwns => WhoOwnsManifest,
        ObserveByName => ObserveByNameManifest,
        FinalizeName => FinalizeNameManifest,
        StartWatching => StartWatchingManifest,
        StopWatching => StopWatchingManifest,
        Restored => RestoredManifest,
        FlowCredit => FlowCreditManifest,
        _ => throw Unknown(o),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Observe m => WriteObserve(m).ToByteArray(),
        Propagate m => WritePropagate(m).ToByteArray(),
        OwnerClaimed m => new P.ObjectOwner { Cluster = S(m.Cluster), TargetUid = S(m.TargetUid), OwnerUid = S(m.OwnerUid), Owner = Write(m.Owner) }.ToByteArray(),
        TopIs m => new P.ObjectOwner { Cluster = S(m.Cluster), TargetUid = S(m.TargetUid), OwnerUid = S(m.TopUid), Owner = Write(m.Top) }.ToByteArray(),
        FinalizeObject m => new P.EntityCommand { EntityId = S(m.EntityId) }.ToByteArray(),
        EmitObject m => new P.EntityCommand { EntityId = S(m.EntityId) }.ToByteArray(),
        NameObserved m => new P.NameObserved { Cluster = S(m.Cluster), Name = Write(m.Name), Uid = S(m.Uid), CreatedNs = m.CreatedNs }.ToByteArray(),
        ClaimName m => new P.ClaimName { Cluster = S(m.Cluster), Name = Write(m.Name), OwnerUid = S(m.OwnerUid), Owner = Write(m.Owner) }.ToByteArray(),
        WhoOwns m => new P.WhoOwns { Cluster = S(m.Cluster), Name = Write(m.Name), AskerUid = S(m.AskerUid) }.ToByteArray(),
        ObserveByName m => new P.ObserveByName { Cluster = S(m.Cluster), Name = Write(m.Name), Event = Write(m.Event) }.ToByteArray(),
        FinalizeName m => new P.EntityCommand { EntityId = S(m.EntityId) }.ToByteArray(),
        StartWatching m => new P.WatcherCommand { Cluster = S(m.Cluster) }.ToByteArray(),
        StopWatching m => new P.WatcherCommand { Cluster = S(m.Cluster) }.ToByteArray(),
        Restored m => WriteRestored(m).ToByteArray(),
        FlowCredit m => new P.FlowCredit { Count = m.Count }.ToByteArray(),
        _ => throw Unknown(obj),
    };

    private static P.Restored WriteRestored(Restored m)
    {
        var p = new P.Restored { EntityId = S(m.EntityId), WasTop = m.WasTop };
        if (m.Identity is { } id) p.Identity = Write(id);
        if (!m.Emitted.IsDefaultOrEmpty) p.Emitted.AddRange(m.Emitted);
        return p;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case ObserveManifest:
                {
                    var p = P.Observe.Parser.ParseFrom(bytes);
                    return new Observe(p.Cluster, p.Uid, ReadFact(p.FactCase switch
                    {
                        P.Observe.FactOneofCase.ObjectObserved => p.ObjectObserved,
                        P.Observe.FactOneofCase.EventObserved => p.EventObserved,
                        P.Observe.FactOneofCase.ObjectDeleted => p.ObjectDeleted,
                        _ => null,
                    }, manifest));
                }
            case PropagateManifest:
                {
                    var p = P.Propagate.Parser.ParseFrom(bytes);
                    var fact = ReadFact(p.FactCase switch
                    {
                        P.Propagate.FactOneofCase.ObjectObserved => p.ObjectObserved,
                        P.Propagate.FactOneofCase.EventObserved => p.EventObserved,
                        P.Propagate.FactOneofCase.ObjectDeleted => p.ObjectDeleted,
                        _ => null,
                    }, manifest);
                    return new Propagate(p.Cluster, p.TargetUid, Read(p.Target), fact, ReadStrings(p.Path));
                }
            case RestoredManifest:
                {
                    var p = P.Restored.Parser.ParseFrom(bytes);
                    var emitted = new ulong[p.Emitted.Count];
                    for (var i = 0; i < emitted.Length; i++) emitted[i] = p.Emitted[i];
                    return new Restored(p.EntityId, p.WasTop, p.Identity is null ? null : Read(p.Identity),
                        System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(emitted));
                }
            case OwnerClaimedManifest:
                {
                    var p = P.ObjectOwner.Parser.ParseFrom(bytes);
                    return new OwnerClaimed(p.Cluster, p.TargetUid, p.OwnerUid, Read(p.Owner));
                }
            case TopIsManifest:
                {
                    var p = P.ObjectOwner.Parser.ParseFrom(bytes);
                    return new TopIs(p.Cluster, p.TargetUid, p.OwnerUid, Read(p.Owner));
                }
            case FinalizeObjectManifest:
                return new FinalizeObject(P.EntityCommand.Parser.ParseFrom(bytes).EntityId);
            case EmitObjectManifest:
                return new EmitObject(P.EntityCommand.Parser.ParseFrom(bytes).EntityId);
            case NameObservedManifest:
                {
                    var p = P.NameObserved.Parser.ParseFrom(bytes);
                    return new NameObserved(p.Cluster, Read(p.Name), p.Uid, p.CreatedNs);
                }
            case ClaimNameManifest:
                {
                    var p = P.ClaimName.Parser.ParseFrom(bytes);
                    return new ClaimName(p.Cluster, Read(p.Name), p.OwnerUid, Read(p.Owner));
                }
            case WhoOwnsManifest:
                {
                    var p = P.WhoOwns.Parser.ParseFrom(bytes);
                    return new WhoOwns(p.Cluster, Read(p.Name), p.AskerUid);
                }
            case ObserveByNameManifest:
                {
                    var p = P.ObserveByName.Parser.ParseFrom(bytes);
                    var e = p.Event ?? throw new SerializationException($"KSpanSerializer: [{manifest}] without its event");
                    return new ObserveByName(p.Cluster, Read(p.Name), Read(e));
                }
            case FinalizeNameManifest:
                return new FinalizeName(P.EntityCommand.Parser.ParseFrom(bytes).EntityId);
            case StartWatchingManifest:
                return new StartWatching(P.WatcherCommand.Parser.ParseFrom(bytes).Cluster);
            case StopWatchingManifest:
                return new StopWatching(P.WatcherCommand.Parser.ParseFrom(bytes).Cluster);
            case FlowCreditManifest:
                return new FlowCredit(P.FlowCredit.Parser.ParseFrom(bytes).Count);
            default:
                throw new SerializationException($"KSpanSerializer ({Id}): unknown manifest [{manifest}]");
        }
    }

    // ---- writing ----

    /// <summary>Protobuf string fields refuse null: a non-nullable string that is null anyway goes out as "".</summary>
    private static string S(string? s) => s ?? "";

    private static P.Observe WriteObserve(Observe m)
    {
        var p = new P.Observe { Cluster = S(m.Cluster), Uid = S(m.Uid) };
        switch (m.Fact)
        {
            case ObjectObserved o: p.ObjectObserved = Write(o); break;
            case EventObserved e: p.EventObserved = Write(e); break;
            case ObjectDeleted d: p.ObjectDeleted = Write(d); break;
            default: throw UnknownFact(m.Fact);
        }
        return p;
    }

    private static P.Propagate WritePropagate(Propagate m)
    {
        var p = new P.Propagate { Cluster = S(m.Cluster), TargetUid = S(m.TargetUid), Target = Write(m.Target) };
        switch (m.Fact)
        {
            case ObjectObserved o: p.ObjectObserved = Write(o); break;
            case EventObserved e: p.EventObserved = Write(e); break;
            case ObjectDeleted d: p.ObjectDeleted = Write(d); break;
            default: throw UnknownFact(m.Fact);
        }
        if (!m.Path.IsDefault)
        {
            foreach (var uid in m.Path) p.Path.Add(S(uid));
        }
        return p;
    }

    private static P.ObjectRef Write(ObjectRef r) => new() { Kind = S(r.Kind), Namespace = S(r.Namespace), Name = S(r.Name) };

    private static P.ObjectObserved Write(ObjectObserved o)
    {
        var p = new P.ObjectObserved
        {
            Cluster = S(o.Cluster),
            Uid = S(o.Uid),
            Kind = S(o.Kind),
            Namespace = S(o.Namespace),
            Name = S(o.Name),
            Generation = o.Generation,
            CreatedNs = o.CreatedNs,
            SpecTimeNs = o.SpecTimeNs,
            ResourceVersion = o.ResourceVersion,
        };
        if (o.SpecManager is not null) p.SpecManager = o.SpecManager;
        if (o.SpecOperation is not null) p.SpecOperation = o.SpecOperation;
        if (o.NodeName is not null) p.NodeName = o.NodeName;
        if (!o.Owners.IsDefault)
        {
            foreach (var owner in o.Owners)
            {
                p.Owners.Add(new P.OwnerRef { Kind = S(owner.Kind), Name = S(owner.Name), Uid = S(owner.Uid), Controller = owner.Controller });
            }
        }
        return p;
    }

    private static P.EventObserved Write(EventObserved e)
    {
        var p = new P.EventObserved
        {
            Cluster = S(e.Cluster),
            EventUid = S(e.EventUid),
            Count = e.Count,
            TimeNs = e.TimeNs,
            Reason = S(e.Reason),
            Message = S(e.Message),
            Warning = e.Warning,
            Kind = S(e.Kind),
            Namespace = S(e.Namespace),
            Name = S(e.Name),
            Service = S(e.Service),
            TopLevelSpan = e.TopLevelSpan,
            FirstNs = e.FirstNs,
        };
        if (e.ObjectUid is not null) p.ObjectUid = e.ObjectUid;
        if (e.FieldPath is not null) p.FieldPath = e.FieldPath;
        if (e.Instance is not null) p.Instance = e.Instance;
        return p;
    }

    private static P.ObjectDeleted Write(ObjectDeleted d) => new()
    {
        Cluster = S(d.Cluster),
        Uid = S(d.Uid),
        Kind = S(d.Kind),
        Namespace = S(d.Namespace),
        Name = S(d.Name),
        TimeNs = d.TimeNs,
    };

    // ---- reading ----

    private static IFact ReadFact(IMessage? fact, string manifest) => fact switch
    {
        P.ObjectObserved o => Read(o),
        P.EventObserved e => Read(e),
        P.ObjectDeleted d => new ObjectDeleted(d.Cluster, d.Uid, d.Kind, d.Namespace, d.Name, d.TimeNs),
        _ => throw new SerializationException($"KSpanSerializer: [{manifest}] without its fact"),
    };

    /// <summary>An absent ObjectRef (never written by us) reads as ("", "", "").</summary>
    private static ObjectRef Read(P.ObjectRef? r) => r is null ? new ObjectRef("", "", "") : new ObjectRef(r.Kind, r.Namespace, r.Name);

    private static ObjectObserved Read(P.ObjectObserved p)
    {
        ImmutableArray<OwnerRef> owners;
        if (p.Owners.Count == 0)
        {
            owners = ImmutableArray<OwnerRef>.Empty;
        }
        else
        {
            var b = ImmutableArray.CreateBuilder<OwnerRef>(p.Owners.Count);
            foreach (var o in p.Owners) b.Add(new OwnerRef(o.Kind, o.Name, o.Uid, o.Controller));
            owners = b.MoveToImmutable();
        }
        return new ObjectObserved(
            p.Cluster, p.Uid, p.Kind, p.Namespace, p.Name, p.Generation, p.CreatedNs, owners,
            p.HasSpecManager ? p.SpecManager : null,
            p.HasSpecOperation ? p.SpecOperation : null,
            p.SpecTimeNs, p.ResourceVersion,
            p.HasNodeName ? p.NodeName : null);
    }

    private static EventObserved Read(P.EventObserved p) => new(
        p.Cluster, p.EventUid, p.Count, p.TimeNs, p.Reason, p.Message, p.Warning, p.Kind, p.Namespace, p.Name,
        p.HasObjectUid ? p.ObjectUid : null,
        p.HasFieldPath ? p.FieldPath : null,
        p.Service,
        p.HasInstance ? p.Instance : null,
        p.TopLevelSpan,
        p.FirstNs);

    private static ImmutableArray<string> ReadStrings(RepeatedField<string> values)
    {
        if (values.Count == 0) return ImmutableArray<string>.Empty;
        var array = new string[values.Count];
        values.CopyTo(array, 0);
        return ImmutableCollectionsMarshal.AsImmutableArray(array); // no second copy: the array is ours alone
    }

    private static ArgumentException Unknown(object? o) =>
        new($"KSpanSerializer ({Id}) cannot serialize [{o?.GetType().FullName ?? "null"}]: add a case for it", nameof(o));

    private static ArgumentException UnknownFact(IFact? fact) =>
        new($"KSpanSerializer ({Id}) cannot serialize the fact [{fact?.GetType().FullName ?? "null"}]: add a case for it", nameof(fact));
}
