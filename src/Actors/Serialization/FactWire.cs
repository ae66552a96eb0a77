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

    public static byte[] Write(Observe m) => Write(m, static (ref Writer w, Observe m) =>
    {
        w.String(1, m.Cluster);
        w.String(2, m.Uid);
        w.Fact(m.Fact);
    });

    public static byte[] Write(Propagate m) => Write(m, static (ref Writer w, Propagate m) =>
    {
        w.String(1, m.Cluster);
        w.String(2, m.TargetUid);
        w.Message(3, m.Target, RefFields);
        w.Path(4, m.Path);
        w.Fact(m.Fact);
    });

    public static byte[] Write(FactBatch m) => Write(m, static (ref Writer w, FactBatch m) =>
    {
        w.String(1, m.Cluster);
        w.String(2, m.TargetUid);
        if (m.Target is { } target) w.Message(3, target, RefFields);
        if (m.Facts.IsDefault) return;
        foreach (var f in m.Facts)
        {
            w.Message(4, f, static (ref Writer w, CarriedFact f) =>
            {
                w.Path(1, f.Path);
                w.Fact(f.Fact);
            });
        }
    });

    private delegate void Fields<in T>(ref Writer writer, T value);

    /// <summary>The sizes of the nested messages of the message being written, in the order they come (one list per thread).</summary>
    [ThreadStatic]
    private static List<int>? _nestedSizes;

    /// <summary>The message's fields counted (its size, and each nested message's), then written into an array of exactly that size.</summary>
    private static byte[] Write<T>(T message, Fields<T> fields)
    {
        var sizes = _nestedSizes ??= new List<int>(16);
        sizes.Clear();
        var counter = new Writer(null, sizes);
        fields(ref counter, message);
        var w = new Writer(new byte[counter.Position], sizes);
        fields(ref w, message);
        return w.Done();
    }

    private static void RefFields(ref Writer w, ObjectRef r)
    {
        w.String(1, r.Kind);
        w.String(2, r.Namespace);
        w.String(3, r.Name);
    }

    private static void OwnerFields(ref Writer w, OwnerRef r)
    {
        w.String(1, r.Kind);
        w.String(2, r.Name);
        w.String(3, r.Uid);
        w.Bool(4, r.Controller);
    }

    private static void ObjectFields(ref Writer w, ObjectObserved o)
    {
        w.String(1, o.Cluster);
        w.String(2, o.Uid);
        w.String(3, o.Kind);
        w.String(4, o.Namespace);
        w.String(5, o.Name);
        w.Int64(6, o.Generation);
        w.Int64(7, o.CreatedNs);
        if (!o.Owners.IsDefault)
        {
            foreach (var owner in o.Owners) w.Message(8, owner, OwnerFields);
        }
        w.OptionalString(9, o.SpecManager);
        w.OptionalString(10, o.SpecOperation);
        w.Int64(11, o.SpecTimeNs);
        w.Int64(12, o.ResourceVersion);
    }

    private static void EventFields(ref Writer w, EventObserved e)
    {
        w.String(1, e.Cluster);
        w.Uid(2, e.Uid);
        w.Int64(3, e.Count);
        w.Int64(4, e.TimeNs);
        w.String(5, e.Reason);
        w.String(6, e.Message);
        w.Bool(7, e.Warning);
        w.String(8, e.Kind);
        w.String(9, e.Namespace);
        w.String(10, e.Name);
        w.OptionalString(11, e.ObjectUid);
        w.OptionalString(12, e.FieldPath);
        w.String(13, e.Service);
        w.OptionalString(14, e.Instance);
        w.Bool(15, e.TopLevelSpan);
        w.Int64(16, e.FirstNs);
    }

    private static void DeletedFields(ref Writer w, ObjectDeleted d)
    {
        w.String(1, d.Cluster);
        w.String(2, d.Uid);
        w.String(3, d.Kind);
        w.String(4, d.Namespace);
        w.String(5, d.Name);
        w.Int64(6, d.TimeNs);
    }

    /// <summary>
    /// Writes protobuf fields into an array or, without one, only counts the bytes they take: one list of fields per
    /// message serves both. Counting notes the size of each nested message in <paramref name="nestedSizes"/>, and
    /// writing takes them from there in the same order for the length prefixes, so a message is counted once and
    /// written once. Proto3 rules, as the generated code: a string, number or bool at its default is left out, an
    /// <c>optional</c> string is written whenever set, a repeated or nested one whenever present.
    /// </summary>
    private ref struct Writer(byte[]? buffer, List<int> nestedSizes)
    {
        private readonly Span<byte> _buffer = buffer;
        private readonly bool _counting = buffer is null;
        private int _nextSize;

        /// <summary>Bytes written (or counted) so far.</summary>
        public int Position { get; private set; }

        public readonly byte[] Done() =>
            Position == buffer!.Length ? buffer : throw new InvalidOperationException($"FactWire wrote {Position} bytes of a {buffer.Length}-byte message");

        public void Varint(ulong value)
        {
            if (_counting)
            {
                Position += (BitOperations.Log2(value | 1) / 7) + 1;
                return;
            }
            var at = Position;
            while (value >= 0x80)
            {
                _buffer[at++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _buffer[at++] = (byte)value;
            Position = at;
        }

        public void Tag(int field, int wireType) => Varint((uint)(field << 3 | wireType));

        public void String(int field, string? s)
        {
            if (!string.IsNullOrEmpty(s)) OptionalString(field, s);
        }

        /// <summary>An Event's uid as the string it stands for (a packed uid's 36 characters from its bytes).</summary>
        public void Uid(int field, CompactUid uid)
        {
            if (!uid.IsPacked)
            {
                String(field, uid.ToString());
                return;
            }
            Tag(field, LengthType);
            Varint(CompactUid.CanonicalLength);
            if (!_counting)
            {
                Span<char> chars = stackalloc char[CompactUid.CanonicalLength];
                Encoding.ASCII.GetBytes(uid.Chars(chars), _buffer[Position..]);
            }
            Position += CompactUid.CanonicalLength;
        }

        public void OptionalString(int field, string? s)
        {
            if (s is null) return;
            Tag(field, LengthType);
            Utf8(s);
        }

        private void Utf8(string s)
        {
            if (_counting)
            {
                var count = Encoding.UTF8.GetByteCount(s);
                Varint((uint)count);
                Position += count;
            }
            else if (s.Length <= 127 / 3)
            {
                // At most 127 bytes: the one-byte length after the text is encoded, without counting first.
                var written = Encoding.UTF8.GetBytes(s, _buffer[(Position + 1)..]);
                _buffer[Position] = (byte)written;
                Position += 1 + written;
            }
            else
            {
                Varint((uint)Encoding.UTF8.GetByteCount(s));
                Position += Encoding.UTF8.GetBytes(s, _buffer[Position..]);
            }
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
            Varint(1);
        }

        /// <summary>A repeated string: every element, "" (and null) included.</summary>
        public void Path(int field, ImmutableArray<string> path)
        {
            if (path.IsDefault) return;
            foreach (var uid in path)
            {
                Tag(field, LengthType);
                Utf8(uid ?? "");
            }
        }

        /// <summary>A nested message: its tag, its length and its fields.</summary>
        public void Message<T>(int field, T value, Fields<T> fields)
        {
            Tag(field, LengthType);
            if (_counting)
            {
                var slot = nestedSizes.Count;
                nestedSizes.Add(0);
                var start = Position;
                fields(ref this, value);
                var size = Position - start;
                nestedSizes[slot] = size;
                Varint((uint)size);
                return;
            }
            Varint((uint)nestedSizes[_nextSize++]);
            fields(ref this, value);
        }

        public void Fact(IFact fact)
        {
            switch (fact)
            {
                case ObjectObserved o: Message(ObjectObservedField, o, ObjectFields); break;
                case EventObserved e: Message(EventObservedField, e, EventFields); break;
                case ObjectDeleted d: Message(ObjectDeletedField, d, DeletedFields); break;
                default: throw KSpanSerializer.UnknownFact(fact);
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

        /// <summary>An Event's uid: a canonical UUID packed from its bytes (no string), anything else read as a string.</summary>
        public CompactUid Uid()
        {
            var length = Length();
            var at = _position;
            _position += length;
            return CompactUid.TryPack(bytes.AsSpan(at, length), out var packed) ? packed
                : CompactUid.Of(length == 0 ? "" : Encoding.UTF8.GetString(bytes, at, length));
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
            string cluster = "", reason = "", message = "", kind = "", ns = "", name = "", service = "";
            var eventUid = CompactUid.Of("");
            string? objectUid = null, fieldPath = null, instance = null;
            long count = 0, time = 0, first = 0;
            bool warning = false, topLevelSpan = false;
            while (More)
            {
                var tag = Tag();
                switch (tag)
                {
                    case 1 << 3 | LengthType: cluster = String(Slot.Cluster); break;
                    case 2 << 3 | LengthType: eventUid = Uid(); break;
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
            return new EventObserved(cluster, "", count, time, reason, message, warning, kind, ns, name, objectUid, fieldPath, service, instance, topLevelSpan, first)
            {
                Uid = eventUid,
            };
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
            return new ObjectObserved(cluster, uid, kind, ns, name, generation, created, owners?.DrainToImmutable() ?? ImmutableArray<OwnerRef>.Empty,
                specManager, specOperation, specTime, resourceVersion);
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
