using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;

namespace KSpanActors.Serialization;

/// <summary>
/// The facts' messages (Observe, Propagate, FactBatch: nearly everything that crosses between replicas) written and read
/// by hand, in the protobuf wire format of <c>Protos/kspan/messages.proto</c>: the same bytes the generated code writes
/// (fields in number order, defaults left out, <c>optional</c> strings whenever set), and any protobuf reader of that
/// file reads them, so a replica of the previous version understands them. What the generated code cost, and this does
/// not: a protobuf object for each message, fact, owner and path, a size pass over that graph, and, reading, every
/// object again before ours. Reading, a string equal to the one in the same field of the previous fact of the message
/// (the cluster, namespace, kind, object name and uid, service, the path of a pod's events) is that instance, not a copy.
/// <c>bench --mode encode</c> measures it (its "wire" line).
/// </summary>
internal static class FactWire
{
    private const int VarintType = 0;
    private const int Fixed64Type = 1;
    private const int LengthType = 2;
    private const int Fixed32Type = 5;

    // Field numbers of the fact oneof (Observe, Propagate and CarriedFact alike).
    private const int ObjectObservedField = 10;
    private const int EventObservedField = 11;
    private const int ObjectDeletedField = 12;

    // ---- writing ----

    public static byte[] Write(Observe m)
    {
        var size = StringSize(1, m.Cluster) + StringSize(2, m.Uid) + FactSize(m.Fact);
        var w = new Writer(new byte[size]);
        w.String(1, m.Cluster);
        w.String(2, m.Uid);
        w.Fact(m.Fact);
        return w.Done();
    }

    public static byte[] Write(Propagate m)
    {
        var size = StringSize(1, m.Cluster) + StringSize(2, m.TargetUid) + MessageSize(3, RefSize(m.Target)) + PathSize(4, m.Path) + FactSize(m.Fact);
        var w = new Writer(new byte[size]);
        w.String(1, m.Cluster);
        w.String(2, m.TargetUid);
        w.Ref(3, m.Target);
        w.Path(4, m.Path);
        w.Fact(m.Fact);
        return w.Done();
    }

    public static byte[] Write(FactBatch m)
    {
        var size = StringSize(1, m.Cluster) + StringSize(2, m.TargetUid) + (m.Target is { } t ? MessageSize(3, RefSize(t)) : 0);
        if (!m.Facts.IsDefault)
        {
            foreach (var f in m.Facts) size += MessageSize(4, CarriedSize(f));
        }
        var w = new Writer(new byte[size]);
        w.String(1, m.Cluster);
        w.String(2, m.TargetUid);
        if (m.Target is { } target) w.Ref(3, target);
        if (!m.Facts.IsDefault)
        {
            foreach (var f in m.Facts)
            {
                w.Tag(4, LengthType);
                w.Varint((uint)CarriedSize(f));
                w.Path(1, f.Path);
                w.Fact(f.Fact);
            }
        }
        return w.Done();
    }

    private static int CarriedSize(CarriedFact f) => PathSize(1, f.Path) + FactSize(f.Fact);

    private static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    private static int TagSize(int field) => VarintSize((ulong)(field << 3));

    /// <summary>A proto3 string: left out when empty (null, which our records should not hold, goes out as "").</summary>
    private static int StringSize(int field, string? s) => string.IsNullOrEmpty(s) ? 0 : OptionalStringSize(field, s);

    /// <summary>An <c>optional</c> string: written whenever it is set, "" included.</summary>
    private static int OptionalStringSize(int field, string? s)
    {
        if (s is null) return 0;
        var bytes = Encoding.UTF8.GetByteCount(s);
        return TagSize(field) + VarintSize((ulong)bytes) + bytes;
    }

    private static int Int64Size(int field, long value) => value == 0 ? 0 : TagSize(field) + VarintSize(unchecked((ulong)value));

    private static int BoolSize(int field, bool value) => value ? TagSize(field) + 1 : 0;

    private static int MessageSize(int field, int size) => TagSize(field) + VarintSize((ulong)size) + size;

    /// <summary>A repeated string: every element, "" included.</summary>
    private static int PathSize(int field, ImmutableArray<string> path)
    {
        if (path.IsDefault) return 0;
        var size = 0;
        foreach (var uid in path)
        {
            var bytes = Encoding.UTF8.GetByteCount(uid ?? "");
            size += TagSize(field) + VarintSize((ulong)bytes) + bytes;
        }
        return size;
    }

    private static int RefSize(ObjectRef r) => StringSize(1, r.Kind) + StringSize(2, r.Namespace) + StringSize(3, r.Name);

    private static int FactSize(IFact fact) => fact switch
    {
        ObjectObserved o => MessageSize(ObjectObservedField, ObjectSize(o)),
        EventObserved e => MessageSize(EventObservedField, EventSize(e)),
        ObjectDeleted d => MessageSize(ObjectDeletedField, DeletedSize(d)),
        _ => throw UnknownFact(fact),
    };

    private static int EventSize(EventObserved e) =>
        StringSize(1, e.Cluster) + StringSize(2, e.EventUid) + Int64Size(3, e.Count) + Int64Size(4, e.TimeNs) + StringSize(5, e.Reason) +
        StringSize(6, e.Message) + BoolSize(7, e.Warning) + StringSize(8, e.Kind) + StringSize(9, e.Namespace) + StringSize(10, e.Name) +
        OptionalStringSize(11, e.ObjectUid) + OptionalStringSize(12, e.FieldPath) + StringSize(13, e.Service) +
        OptionalStringSize(14, e.Instance) + BoolSize(15, e.TopLevelSpan) + Int64Size(16, e.FirstNs);

    private static int ObjectSize(ObjectObserved o)
    {
        var size = StringSize(1, o.Cluster) + StringSize(2, o.Uid) + StringSize(3, o.Kind) + StringSize(4, o.Namespace) + StringSize(5, o.Name) +
            Int64Size(6, o.Generation) + Int64Size(7, o.CreatedNs) + OptionalStringSize(9, o.SpecManager) + OptionalStringSize(10, o.SpecOperation) +
            Int64Size(11, o.SpecTimeNs) + Int64Size(12, o.ResourceVersion);
        if (!o.Owners.IsDefault)
        {
            foreach (var owner in o.Owners) size += MessageSize(8, OwnerSize(owner));
        }
        return size;
    }

    private static int OwnerSize(OwnerRef r) => StringSize(1, r.Kind) + StringSize(2, r.Name) + StringSize(3, r.Uid) + BoolSize(4, r.Controller);

    private static int DeletedSize(ObjectDeleted d) =>
        StringSize(1, d.Cluster) + StringSize(2, d.Uid) + StringSize(3, d.Kind) + StringSize(4, d.Namespace) + StringSize(5, d.Name) + Int64Size(6, d.TimeNs);

    /// <summary>Writes into an array of exactly the message's size (computed first, as the length prefixes need it).</summary>
    private ref struct Writer(byte[] buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position;

        public readonly byte[] Done() =>
            _position == buffer.Length ? buffer : throw new InvalidOperationException($"FactWire wrote {_position} bytes of a {buffer.Length}-byte message");

        public void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer[_position++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _buffer[_position++] = (byte)value;
        }

        public void Tag(int field, int wireType) => Varint((uint)(field << 3 | wireType));

        public void String(int field, string? s)
        {
            if (!string.IsNullOrEmpty(s)) OptionalString(field, s);
        }

        public void OptionalString(int field, string? s)
        {
            if (s is null) return;
            Tag(field, LengthType);
            Utf8(s);
        }

        private void Utf8(string s)
        {
            if (s.Length <= 127 / 3)
            {
                // At most 127 bytes: the one-byte length after the text is encoded, without counting first.
                var written = Encoding.UTF8.GetBytes(s, _buffer[(_position + 1)..]);
                _buffer[_position] = (byte)written;
                _position += 1 + written;
                return;
            }
            var bytes = Encoding.UTF8.GetByteCount(s);
            Varint((ulong)bytes);
            _position += Encoding.UTF8.GetBytes(s, _buffer[_position..]);
        }

        public void Int64(int field, long value)
        {
            if (value == 0) return;
            Tag(field, VarintType);
            Varint(unchecked((ulong)value));
        }

        public void Bool(int field, bool value)
        {
            if (!value) return;
            Tag(field, VarintType);
            _buffer[_position++] = 1;
        }

        public void Path(int field, ImmutableArray<string> path)
        {
            if (path.IsDefault) return;
            foreach (var uid in path)
            {
                Tag(field, LengthType);
                Utf8(uid ?? "");
            }
        }

        public void Ref(int field, ObjectRef r)
        {
            Tag(field, LengthType);
            Varint((uint)RefSize(r));
            String(1, r.Kind);
            String(2, r.Namespace);
            String(3, r.Name);
        }

        public void Fact(IFact fact)
        {
            switch (fact)
            {
                case ObjectObserved o:
                    Tag(ObjectObservedField, LengthType);
                    Varint((uint)ObjectSize(o));
                    String(1, o.Cluster);
                    String(2, o.Uid);
                    String(3, o.Kind);
                    String(4, o.Namespace);
                    String(5, o.Name);
                    Int64(6, o.Generation);
                    Int64(7, o.CreatedNs);
                    if (!o.Owners.IsDefault)
                    {
                        foreach (var owner in o.Owners)
                        {
                            Tag(8, LengthType);
                            Varint((uint)OwnerSize(owner));
                            String(1, owner.Kind);
                            String(2, owner.Name);
                            String(3, owner.Uid);
                            Bool(4, owner.Controller);
                        }
                    }
                    OptionalString(9, o.SpecManager);
                    OptionalString(10, o.SpecOperation);
                    Int64(11, o.SpecTimeNs);
                    Int64(12, o.ResourceVersion);
                    break;
                case EventObserved e:
                    Tag(EventObservedField, LengthType);
                    Varint((uint)EventSize(e));
                    String(1, e.Cluster);
                    String(2, e.EventUid);
                    Int64(3, e.Count);
                    Int64(4, e.TimeNs);
                    String(5, e.Reason);
                    String(6, e.Message);
                    Bool(7, e.Warning);
                    String(8, e.Kind);
                    String(9, e.Namespace);
                    String(10, e.Name);
                    OptionalString(11, e.ObjectUid);
                    OptionalString(12, e.FieldPath);
                    String(13, e.Service);
                    OptionalString(14, e.Instance);
                    Bool(15, e.TopLevelSpan);
                    Int64(16, e.FirstNs);
                    break;
                case ObjectDeleted d:
                    Tag(ObjectDeletedField, LengthType);
                    Varint((uint)DeletedSize(d));
                    String(1, d.Cluster);
                    String(2, d.Uid);
                    String(3, d.Kind);
                    String(4, d.Namespace);
                    String(5, d.Name);
                    Int64(6, d.TimeNs);
                    break;
                default:
                    throw UnknownFact(fact);
            }
        }
    }

    // ---- reading ----

    public static Observe ReadObserve(byte[] bytes) => Read(bytes, "obs", static (ref Reader r) =>
    {
        string cluster = "", uid = "";
        IFact? fact = null;
        while (r.More)
        {
            var tag = r.Tag();
            switch (tag)
            {
                case 1 << 3 | LengthType: cluster = r.String(Slot.Cluster); break;
                case 2 << 3 | LengthType: uid = r.String(Slot.Uid); break;
                default: fact = r.FactOrSkip(tag) ?? fact; break;
            }
        }
        return new Observe(cluster, uid, fact ?? throw Missing("obs"));
    });

    public static Propagate ReadPropagate(byte[] bytes) => Read(bytes, "prop", static (ref Reader r) =>
    {
        string cluster = "", targetUid = "";
        var target = new ObjectRef("", "", "");
        var path = new PathReader();
        IFact? fact = null;
        while (r.More)
        {
            var tag = r.Tag();
            switch (tag)
            {
                case 1 << 3 | LengthType: cluster = r.String(Slot.Cluster); break;
                case 2 << 3 | LengthType: targetUid = r.String(Slot.TargetUid); break;
                case 3 << 3 | LengthType: target = r.Ref(); break;
                case 4 << 3 | LengthType: path.Add(ref r); break;
                default: fact = r.FactOrSkip(tag) ?? fact; break;
            }
        }
        return new Propagate(cluster, targetUid, target, fact ?? throw Missing("prop"), path.ToArray(ref r));
    });

    public static FactBatch ReadBatch(byte[] bytes) => Read(bytes, "batch", static (ref Reader r) =>
    {
        string cluster = "", targetUid = "";
        ObjectRef? target = null;
        var facts = ImmutableArray.CreateBuilder<CarriedFact>();
        while (r.More)
        {
            var tag = r.Tag();
            switch (tag)
            {
                case 1 << 3 | LengthType: cluster = r.String(Slot.Cluster); break;
                case 2 << 3 | LengthType: targetUid = r.String(Slot.TargetUid); break;
                case 3 << 3 | LengthType: target = r.Ref(); break;
                case 4 << 3 | LengthType:
                    var carried = r.Message();
                    facts.Add(ReadCarried(ref carried));
                    break;
                default: r.Skip(tag); break;
            }
        }
        return new FactBatch(cluster, targetUid, target, facts.DrainToImmutable());
    });

    private static CarriedFact ReadCarried(ref Reader r)
    {
        var path = new PathReader();
        IFact? fact = null;
        while (r.More)
        {
            var tag = r.Tag();
            if (tag == (1 << 3 | LengthType)) path.Add(ref r);
            else fact = r.FactOrSkip(tag) ?? fact;
        }
        return new CarriedFact(fact ?? throw Missing("batch"), path.ToArray(ref r));
    }

    private delegate T ReadBody<out T>(ref Reader reader);

    /// <summary>Reads one message; a truncated or malformed one is a <see cref="SerializationException"/>, as from the generated parsers.</summary>
    private static T Read<T>(byte[] bytes, string manifest, ReadBody<T> body)
    {
        var memo = Memo.ForThread(bytes);
        try
        {
            var reader = new Reader(bytes, 0, bytes.Length, memo);
            return body(ref reader);
        }
        catch (MalformedException ex)
        {
            throw new SerializationException($"KSpanSerializer: [{manifest}] is malformed: {ex.Message}", ex);
        }
        finally
        {
            memo.Clear();
        }
    }

    private static MalformedException Malformed(string what) => new(what);

    /// <summary>What the reader found wrong, reported by <see cref="Read{T}"/> as a SerializationException naming the manifest.</summary>
    private sealed class MalformedException(string message) : Exception(message);

    private static SerializationException Missing(string manifest) => new($"KSpanSerializer: [{manifest}] without its fact");

    private static ArgumentException UnknownFact(IFact? fact) =>
        new($"KSpanSerializer ({KSpanSerializer.Id}) cannot serialize the fact [{fact?.GetType().FullName ?? "null"}]: add a case for it", nameof(fact));

    /// <summary>The fields whose strings recur from one fact of a message to the next (see <see cref="Memo"/>).</summary>
    private enum Slot
    {
        None = -1,
        Cluster,
        Uid,
        TargetUid,
        Kind,
        Namespace,
        Name,
        ObjectUid,
        Reason,
        Service,
        Instance,
        Manager,
        OwnerKind,
        OwnerName,
        OwnerUid,
        Path0,
        Path1,
        Path2,
        Path3,
        Count,
    }

    /// <summary>
    /// The last string read in each <see cref="Slot"/> of the message being read, with where its bytes are: the next
    /// one with the same bytes is that instance. One per thread, emptied after each message.
    /// </summary>
    private sealed class Memo
    {
        [ThreadStatic]
        private static Memo? _current;

        private readonly (int Start, int Length, string? Value)[] _slots = new (int, int, string?)[(int)Slot.Count];

        public byte[] Bytes { get; private set; } = [];

        /// <summary>The path read last in the message.</summary>
        public ImmutableArray<string> LastPath { get; set; }

        public static Memo ForThread(byte[] bytes)
        {
            var memo = _current ??= new Memo();
            memo.Bytes = bytes;
            return memo;
        }

        public string Get(Slot slot, int start, int length)
        {
            ref var known = ref _slots[(int)slot];
            if (known.Value is { } value && known.Length == length && Bytes.AsSpan(known.Start, length).SequenceEqual(Bytes.AsSpan(start, length))) return value;
            var read = length == 0 ? "" : Encoding.UTF8.GetString(Bytes, start, length);
            known = (start, length, read);
            return read;
        }

        public void Clear()
        {
            Array.Clear(_slots);
            Bytes = [];
            LastPath = default;
        }
    }

    /// <summary>A repeated string field (a path) being read: kept as the array of the previous path when equal to it.</summary>
    private struct PathReader
    {
        private string? _first;
        private List<string>? _more;

        public void Add(ref Reader r)
        {
            var index = _first is null ? 0 : 1 + (_more?.Count ?? 0);
            var uid = r.String(index <= 3 ? Slot.Path0 + index : Slot.None);
            if (index == 0) _first = uid;
            else (_more ??= new List<string>(2)).Add(uid);
        }

        public readonly ImmutableArray<string> ToArray(ref Reader r)
        {
            if (_first is null) return ImmutableArray<string>.Empty;
            var count = 1 + (_more?.Count ?? 0);
            if (r.LastPath is { IsDefault: false } last && last.Length == count && ReferenceEquals(last[0], _first))
            {
                var same = true;
                for (var i = 1; i < count && same; i++) same = ReferenceEquals(last[i], _more![i - 1]);
                if (same) return last;
            }
            var array = new string[count];
            array[0] = _first;
            _more?.CopyTo(array, 1);
            return r.LastPath = ImmutableCollectionsMarshal.AsImmutableArray(array);
        }
    }

    /// <summary>Reads fields from <c>[position, end)</c> of the message's bytes.</summary>
    private ref struct Reader(byte[] bytes, int start, int end, Memo memo)
    {
        private int _position = start;

        public readonly bool More => _position < end;

        /// <summary>The path read last in this message (paths repeat from fact to fact).</summary>
        public ImmutableArray<string> LastPath
        {
            readonly get => memo.LastPath;
            set => memo.LastPath = value;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= end) throw Malformed("the message ends inside a number");
                var b = bytes[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw Malformed("a number longer than ten bytes");
        }

        public uint Tag() => (uint)Varint();

        private int Length()
        {
            var length = (int)Varint();
            if (length < 0 || length > end - _position) throw Malformed("a field runs past the end of its message");
            return length;
        }

        public string String(Slot slot = Slot.None)
        {
            var length = Length();
            var at = _position;
            _position += length;
            if (slot != Slot.None) return memo.Get(slot, at, length);
            return length == 0 ? "" : Encoding.UTF8.GetString(bytes, at, length);
        }

        /// <summary>A nested message: a reader of its bytes (this one moves past them).</summary>
        public Reader Message()
        {
            var length = Length();
            var nested = new Reader(bytes, _position, _position + length, memo);
            _position += length;
            return nested;
        }

        public void Skip(uint tag)
        {
            switch ((int)(tag & 7))
            {
                case VarintType: Varint(); break;
                case Fixed64Type: Advance(8); break;
                case LengthType: Advance(Length()); break;
                case Fixed32Type: Advance(4); break;
                default: throw Malformed($"wire type {tag & 7} (field {tag >> 3}) is not one protobuf has");
            }
        }

        private void Advance(int count)
        {
            if (count > end - _position) throw Malformed("a field runs past the end of its message");
            _position += count;
        }

        public ObjectRef Ref()
        {
            var r = Message();
            string kind = "", ns = "", name = "";
            while (r.More)
            {
                var tag = r.Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: kind = r.String(Slot.Kind); break;
                    case 2 << 3 | LengthType: ns = r.String(Slot.Namespace); break;
                    case 3 << 3 | LengthType: name = r.String(Slot.Name); break;
                    default: r.Skip(tag); break;
                }
            }
            return new ObjectRef(kind, ns, name);
        }

        /// <summary>The fact when <paramref name="tag"/> is one of the fact oneof's cases; anything else is skipped (null).</summary>
        public IFact? FactOrSkip(uint tag)
        {
            switch (tag)
            {
                case ObjectObservedField << 3 | LengthType:
                    var o = Message();
                    return o.ObjectObserved();
                case EventObservedField << 3 | LengthType:
                    var e = Message();
                    return e.EventObserved();
                case ObjectDeletedField << 3 | LengthType:
                    var d = Message();
                    return d.ObjectDeleted();
                default:
                    Skip(tag);
                    return null;
            }
        }

        private EventObserved EventObserved()
        {
            string cluster = "", eventUid = "", reason = "", message = "", kind = "", ns = "", name = "", service = "";
            string? objectUid = null, fieldPath = null, instance = null;
            long count = 0, time = 0, first = 0;
            bool warning = false, topLevelSpan = false;
            while (More)
            {
                var tag = Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: cluster = String(Slot.Cluster); break;
                    case 2 << 3 | LengthType: eventUid = String(); break;
                    case 3 << 3 | VarintType: count = (long)Varint(); break;
                    case 4 << 3 | VarintType: time = (long)Varint(); break;
                    case 5 << 3 | LengthType: reason = String(Slot.Reason); break;
                    case 6 << 3 | LengthType: message = String(); break;
                    case 7 << 3 | VarintType: warning = Varint() != 0; break;
                    case 8 << 3 | LengthType: kind = String(Slot.Kind); break;
                    case 9 << 3 | LengthType: ns = String(Slot.Namespace); break;
                    case 10 << 3 | LengthType: name = String(Slot.Name); break;
                    case 11 << 3 | LengthType: objectUid = String(Slot.ObjectUid); break;
                    case 12 << 3 | LengthType: fieldPath = String(); break;
                    case 13 << 3 | LengthType: service = String(Slot.Service); break;
                    case 14 << 3 | LengthType: instance = String(Slot.Instance); break;
                    case 15 << 3 | VarintType: topLevelSpan = Varint() != 0; break;
                    case 16 << 3 | VarintType: first = (long)Varint(); break;
                    default: Skip(tag); break;
                }
            }
            return new EventObserved(cluster, eventUid, count, time, reason, message, warning, kind, ns, name, objectUid, fieldPath, service, instance, topLevelSpan, first);
        }

        private ObjectObserved ObjectObserved()
        {
            string cluster = "", uid = "", kind = "", ns = "", name = "";
            string? specManager = null, specOperation = null;
            long generation = 0, created = 0, specTime = 0, resourceVersion = 0;
            ImmutableArray<OwnerRef>.Builder? owners = null;
            while (More)
            {
                var tag = Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: cluster = String(Slot.Cluster); break;
                    case 2 << 3 | LengthType: uid = String(Slot.ObjectUid); break;
                    case 3 << 3 | LengthType: kind = String(Slot.Kind); break;
                    case 4 << 3 | LengthType: ns = String(Slot.Namespace); break;
                    case 5 << 3 | LengthType: name = String(Slot.Name); break;
                    case 6 << 3 | VarintType: generation = (long)Varint(); break;
                    case 7 << 3 | VarintType: created = (long)Varint(); break;
                    case 8 << 3 | LengthType:
                        var owner = Message();
                        (owners ??= ImmutableArray.CreateBuilder<OwnerRef>(1)).Add(owner.Owner());
                        break;
                    case 9 << 3 | LengthType: specManager = String(Slot.Manager); break;
                    case 10 << 3 | LengthType: specOperation = String(); break;
                    case 11 << 3 | VarintType: specTime = (long)Varint(); break;
                    case 12 << 3 | VarintType: resourceVersion = (long)Varint(); break;
                    default: Skip(tag); break;
                }
            }
            var ownerArray = owners is null ? ImmutableArray<OwnerRef>.Empty : owners.Count == owners.Capacity ? owners.MoveToImmutable() : owners.ToImmutable();
            return new ObjectObserved(cluster, uid, kind, ns, name, generation, created, ownerArray, specManager, specOperation, specTime, resourceVersion);
        }

        private OwnerRef Owner()
        {
            string kind = "", name = "", uid = "";
            var controller = false;
            while (More)
            {
                var tag = Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: kind = String(Slot.OwnerKind); break;
                    case 2 << 3 | LengthType: name = String(Slot.OwnerName); break;
                    case 3 << 3 | LengthType: uid = String(Slot.OwnerUid); break;
                    case 4 << 3 | VarintType: controller = Varint() != 0; break;
                    default: Skip(tag); break;
                }
            }
            return new OwnerRef(kind, name, uid, controller);
        }

        private ObjectDeleted ObjectDeleted()
        {
            string cluster = "", uid = "", kind = "", ns = "", name = "";
            long time = 0;
            while (More)
            {
                var tag = Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: cluster = String(Slot.Cluster); break;
                    case 2 << 3 | LengthType: uid = String(Slot.ObjectUid); break;
                    case 3 << 3 | LengthType: kind = String(Slot.Kind); break;
                    case 4 << 3 | LengthType: ns = String(Slot.Namespace); break;
                    case 5 << 3 | LengthType: name = String(Slot.Name); break;
                    case 6 << 3 | VarintType: time = (long)Varint(); break;
                    default: Skip(tag); break;
                }
            }
            return new ObjectDeleted(cluster, uid, kind, ns, name, time);
        }
    }
}
