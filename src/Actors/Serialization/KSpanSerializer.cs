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
/// <c>Protos/kspan/messages.proto</c>, with a short string manifest per type: the facts' messages by hand
/// (<see cref="FactWire"/>), the others through the generated code. Bound to <see cref="IKSpanMessage"/>
/// by <see cref="SerializationHosting.WithKSpanSerializer"/>.
/// </summary>
/// <remarks>
/// Non-nullable strings that are null at run time (a default <see cref="ObjectRef"/>) are written as "" and read
/// back as ""; nullable ones are protobuf <c>optional</c> and come back null. A default (uninitialised)
/// <see cref="ImmutableArray{T}"/> comes back empty. Changing <see cref="Id"/> or a manifest breaks rolling upgrades.
/// </remarks>
internal sealed class KSpanSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// Serializer id written into every remote envelope. Akka reserves 0–100 for its own serializers;
    /// 9871 is ours and must never change (nodes of different versions must agree on it).
    /// </summary>
    public const int Id = 9871;

    /// <summary>
    /// The one table of our wire messages: each concrete type with its manifest (short, stable: never rename one that
    /// has shipped), how it is written and how it is read back.
    /// </summary>
    private static readonly WireType[] Table =
    [
        // The facts, most of what crosses: written and read by hand, in the same wire format (FactWire).
        new(typeof(Observe), "obs", o => FactWire.Write((Observe)o), FactWire.ReadObserve),
        new(typeof(Propagate), "prop", o => FactWire.Write((Propagate)o), FactWire.ReadPropagate),
        new(typeof(FactBatch), "batch", o => FactWire.Write((FactBatch)o), FactWire.ReadBatch),
        WireType.Of("own", (OwnerClaimed m) => Owner(m.Cluster, m.TargetUid, m.OwnerUid, m.Owner), P.ObjectOwner.Parser,
            p => new OwnerClaimed(p.Cluster, p.TargetUid, p.OwnerUid, Read(p.Owner))),
        WireType.Of("top", (TopIs m) => Owner(m.Cluster, m.TargetUid, m.TopUid, m.Top), P.ObjectOwner.Parser,
            p => new TopIs(p.Cluster, p.TargetUid, p.OwnerUid, Read(p.Owner))),
        WireType.Of("fin", (FinalizeObject m) => Command(m.EntityId), P.EntityCommand.Parser, p => new FinalizeObject(p.EntityId)),
        WireType.Of("emit", (EmitObject m) => Command(m.EntityId), P.EntityCommand.Parser, p => new EmitObject(p.EntityId)),
        WireType.Of("rest", WriteHandOff, P.Restored.Parser, ReadHandOff),
        WireType.Of("nobs", (NameObserved m) => new P.NameObserved { Cluster = S(m.Cluster), Name = Write(m.Name), Uid = S(m.Uid), CreatedNs = m.CreatedNs },
            P.NameObserved.Parser, p => new NameObserved(p.Cluster, Read(p.Name), p.Uid, p.CreatedNs)),
        WireType.Of("claim", (ClaimName m) => new P.ClaimName { Cluster = S(m.Cluster), Name = Write(m.Name), OwnerUid = S(m.OwnerUid), Owner = Write(m.Owner) },
            P.ClaimName.Parser, p => new ClaimName(p.Cluster, Read(p.Name), p.OwnerUid, Read(p.Owner))),
        WireType.Of("who", (WhoOwns m) => new P.WhoOwns { Cluster = S(m.Cluster), Name = Write(m.Name), AskerUid = S(m.AskerUid) },
            P.WhoOwns.Parser, p => new WhoOwns(p.Cluster, Read(p.Name), p.AskerUid)),
        WireType.Of("obn", (ObserveByName m) => new P.ObserveByName { Cluster = S(m.Cluster), Name = Write(m.Name), Event = Write(m.Event) },
            P.ObserveByName.Parser, p => new ObserveByName(p.Cluster, Read(p.Name), Read(p.Event ?? throw new SerializationException("KSpanSerializer: [obn] without its event")))),
        WireType.Of("finn", (FinalizeName m) => Command(m.EntityId), P.EntityCommand.Parser, p => new FinalizeName(p.EntityId)),
        WireType.Of("wstart", (StartWatching m) => new P.WatcherCommand { Cluster = S(m.Cluster) }, P.WatcherCommand.Parser, p => new StartWatching(p.Cluster)),
        WireType.Of("wstop", (StopWatching m) => new P.WatcherCommand { Cluster = S(m.Cluster) }, P.WatcherCommand.Parser, p => new StopWatching(p.Cluster)),
        WireType.Of("cred", (FlowCredit m) => new P.FlowCredit { Count = m.Count }, P.FlowCredit.Parser, p => new FlowCredit(p.Count)),
        WireType.Of("lids", WriteLedgerIds, P.LedgerIds.Parser, p => new LedgerIds(p.Cluster, p.Hour, [.. p.Ids.Select(id => unchecked((long)id))])),
        WireType.Of("lsnap", (LedgerSnapshotRequest _) => new P.LedgerSnapshotRequest(), P.LedgerSnapshotRequest.Parser, _ => new LedgerSnapshotRequest()),
    ];

    private static readonly Dictionary<Type, WireType> ByType = Table.ToDictionary(t => t.Type);
    private static readonly Dictionary<string, WireType> ByManifest = Table.ToDictionary(t => t.Manifest, StringComparer.Ordinal);

    public KSpanSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => Of(o).Manifest;

    public override byte[] ToBinary(object obj) => Of(obj).Write(obj);

    public override object FromBinary(byte[] bytes, string manifest) => ByManifest.TryGetValue(manifest, out var t)
        ? t.Read(bytes)
        : throw new SerializationException($"KSpanSerializer ({Id}): unknown manifest [{manifest}]");

    private static WireType Of(object? o) => o is not null && ByType.TryGetValue(o.GetType(), out var t) ? t : throw Unknown(o);

    /// <summary>One wire type: its CLR type, manifest, writer and reader.</summary>
    private sealed record WireType(Type Type, string Manifest, Func<object, byte[]> Write, Func<byte[], object> Read)
    {
        /// <summary>A type written as the protobuf message of messages.proto that <paramref name="write"/> builds.</summary>
        public static WireType Of<T, TProto>(string manifest, Func<T, TProto> write, MessageParser<TProto> parser, Func<TProto, T> read)
            where TProto : IMessage<TProto> =>
            new(typeof(T), manifest, o => write((T)o).ToByteArray(), bytes => read(parser.ParseFrom(bytes))!);
    }

    private static P.LedgerIds WriteLedgerIds(LedgerIds m)
    {
        var p = new P.LedgerIds { Cluster = S(m.Cluster), Hour = m.Hour };
        foreach (var id in m.Ids) p.Ids.Add(unchecked((ulong)id));
        return p;
    }

    private static P.EntityCommand Command(string entityId) => new() { EntityId = S(entityId) };

    private static P.ObjectOwner Owner(string cluster, string targetUid, string ownerUid, ObjectRef owner) =>
        new() { Cluster = S(cluster), TargetUid = S(targetUid), OwnerUid = S(ownerUid), Owner = Write(owner) };

    private static P.Restored WriteHandOff(ObjectHandOff m)
    {
        var p = new P.Restored { EntityId = S(m.EntityId), WasTop = m.WasTop };
        if (m.Identity is { } id) p.Identity = Write(id);
        if (!m.Emitted.IsDefaultOrEmpty) p.Emitted.AddRange(m.Emitted);
        if (m.Observed is { } o) p.Object = Write(o);
        if (m.OwnerUid is { } ownerUid && m.Owner is { } owner)
        {
            p.OwnerUid = ownerUid;
            p.Owner = Write(owner);
        }
        WriteCarried(p.Facts, m.Facts);
        return p;
    }

    private static void WriteCarried(Google.Protobuf.Collections.RepeatedField<P.CarriedFact> into, ImmutableArray<CarriedFact> facts)
    {
        if (facts.IsDefault) return;
        foreach (var f in facts)
        {
            var c = new P.CarriedFact();
            switch (f.Fact)
            {
                case ObjectObserved o: c.ObjectObserved = Write(o); break;
                case EventObserved e: c.EventObserved = Write(e); break;
                case ObjectDeleted d: c.ObjectDeleted = Write(d); break;
                default: throw UnknownFact(f.Fact);
            }
            if (!f.Path.IsDefault)
            {
                foreach (var uid in f.Path) c.Path.Add(S(uid));
            }
            into.Add(c);
        }
    }

    private static ImmutableArray<CarriedFact> ReadCarried(Google.Protobuf.Collections.RepeatedField<P.CarriedFact> carried, string manifest)
    {
        var facts = ImmutableArray.CreateBuilder<CarriedFact>(carried.Count);
        // The cases of the fact oneof not set read as null.
        foreach (var c in carried) facts.Add(new CarriedFact(ReadFact((IMessage?)c.ObjectObserved ?? (IMessage?)c.EventObserved ?? c.ObjectDeleted, manifest), ReadStrings(c.Path)));
        return facts.MoveToImmutable();
    }

    private static ObjectHandOff ReadHandOff(P.Restored p)
    {
        var emitted = new ulong[p.Emitted.Count];
        for (var i = 0; i < emitted.Length; i++) emitted[i] = p.Emitted[i];
        var facts = ReadCarried(p.Facts, "rest");
        return new ObjectHandOff(p.EntityId, p.WasTop, p.Identity is null ? null : Read(p.Identity),
            ImmutableCollectionsMarshal.AsImmutableArray(emitted),
            p.Object is null ? null : Read(p.Object),
            p.HasOwnerUid ? p.OwnerUid : null,
            p.HasOwnerUid && p.Owner is not null ? Read(p.Owner) : null,
            facts);
    }

    // ---- writing ----

    /// <summary>Protobuf string fields refuse null: a non-nullable string that is null anyway goes out as "".</summary>
    private static string S(string? s) => s ?? "";

    internal static P.ObjectRef Write(ObjectRef r) => new() { Kind = S(r.Kind), Namespace = S(r.Namespace), Name = S(r.Name) };

    internal static P.ObjectObserved Write(ObjectObserved o)
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
        if (!o.Owners.IsDefault)
        {
            foreach (var owner in o.Owners)
            {
                p.Owners.Add(new P.OwnerRef { Kind = S(owner.Kind), Name = S(owner.Name), Uid = S(owner.Uid), Controller = owner.Controller });
            }
        }
        return p;
    }

    internal static P.EventObserved Write(EventObserved e)
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

    internal static P.ObjectDeleted Write(ObjectDeleted d) => new()
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
            p.SpecTimeNs, p.ResourceVersion);
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

    internal static ArgumentException UnknownFact(IFact? fact) =>
        new($"KSpanSerializer ({Id}) cannot serialize the fact [{fact?.GetType().FullName ?? "null"}]: add a case for it", nameof(fact));
}
