using System.Collections.Immutable;
using System.Runtime.Serialization;
using Google.Protobuf;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Serialization;
using KSpanActors.Tracing;
using P = KSpanActors.Serialization.Proto;

namespace KSpanActors.Tests.Serialization;

/// <summary>
/// The facts' messages, written by hand (<see cref="FactWire"/>): the very bytes the generated protobuf code writes for
/// the same message (a replica of the previous version reads them), and the generated code's bytes read back.
/// </summary>
public sealed class FactWireTests(SerializerSystemFixture fixture) : IClassFixture<SerializerSystemFixture>
{
    private readonly KSpanSerializer _serializer = fixture.Serializer;

    private static readonly EventObserved Long = SampleMessages.FullEvent with
    {
        // a length of two bytes, text of one to four bytes a character, negative numbers (ten-byte varints)
        Message = string.Concat(Enumerable.Repeat("Back-off «web» 日本語 🚀 ", 20)),
        Name = new string('p', 43),
        Count = -1,
        TimeNs = long.MinValue,
    };

    private const string PackedUid = "0f8fad5b-d9cb-469f-a165-70867728950e";

    public static TheoryData<string> Facts()
    {
        var data = new TheoryData<string>();
        foreach (var (name, message) in Cases) data.Add(name);
        return data;
    }

    private static IEnumerable<(string Name, IKSpanMessage Message)> Cases =>
        SampleMessages.All.Where(s => s.Value is Observe or Propagate or FactBatch).Select(s => (s.Key, s.Value)).Concat(
        [
            ("Observe of an event with long text and negative numbers", new Observe("c", "u", Long)),
            ("Propagate with a default ref and path", new Propagate("c", "u", default, SampleMessages.Deleted, default)),
            ("Propagate along a path of six", new Propagate("c", "u", new ObjectRef("Deployment", "ns", "d"), Long, ["a", "b", "c", "d", "e", "f"])),
            ("FactBatch of one object's events sharing a path", new FactBatch("c", "dep", new ObjectRef("Deployment", "ns", "d"),
                [new CarriedFact(SampleMessages.FullEvent, ["pod", "rs"]), new CarriedFact(Long, ["pod", "rs"]), new CarriedFact(SampleMessages.SparseEvent, ["pod", "rs"])])),
            ("Observe of an event whose uid is a canonical UUID (held packed)", new Observe("c", "u", SampleMessages.FullEvent with { EventUid = PackedUid })),
            ("FactBatch of packed and string uids", new FactBatch("c", "dep", new ObjectRef("Deployment", "ns", "d"),
                [new CarriedFact(SampleMessages.FullEvent with { EventUid = PackedUid }, ["pod"]), new CarriedFact(SampleMessages.SparseEvent with { EventUid = PackedUid.ToUpperInvariant() }, ["pod"])])),
            ("FactBatch with empty optional strings", new FactBatch("c", "u", null,
                [new CarriedFact(SampleMessages.SparseEvent with { ObjectUid = "", FieldPath = "", Instance = "" }, [""])])),
        ]);

    private static IKSpanMessage Case(string name) => Cases.Single(c => c.Name == name).Message;

    [Theory]
    [MemberData(nameof(Facts))]
    public void Writes_the_bytes_the_generated_protobuf_code_writes(string name)
    {
        var message = Case(name);

        Assert.Equal(Generated(message).ToByteArray(), _serializer.ToBinary(message));
    }

    [Theory]
    [MemberData(nameof(Facts))]
    public void Reads_the_bytes_of_the_generated_protobuf_code_back_equal_by_value(string name)
    {
        var message = Case(name);

        var back = _serializer.FromBinary(Generated(message).ToByteArray(), _serializer.Manifest(message));

        // A default ref and path (never sent by us) come back as empty strings and an empty path.
        if (message is Propagate { Path.IsDefault: true } p) message = p with { Target = new ObjectRef("", "", ""), Path = [] };
        SampleMessages.AssertEqualByValue(message, back);
    }

    [Fact]
    public void Fields_it_does_not_know_are_skipped()
    {
        // An Observe from a newer replica, with fields this version does not have: one of each wire type.
        var known = Generated(Case("Observe of an event with every field")).ToByteArray();
        using var extra = new MemoryStream();
        using (var o = new CodedOutputStream(extra, leaveOpen: true))
        {
            o.WriteTag(30, WireFormat.WireType.Varint);
            o.WriteInt64(150);
            o.WriteTag(31, WireFormat.WireType.Fixed64);
            o.WriteFixed64(7);
            o.WriteTag(32, WireFormat.WireType.LengthDelimited);
            o.WriteString("hi");
            o.WriteTag(33, WireFormat.WireType.Fixed32);
            o.WriteFixed32(9);
        }

        var back = _serializer.FromBinary([.. known, .. extra.ToArray()], "obs");

        SampleMessages.AssertEqualByValue(Case("Observe of an event with every field"), back);
    }

    [Theory]
    [InlineData("obs")]
    [InlineData("prop")]
    [InlineData("batch")]
    public void A_truncated_message_is_a_SerializationException_naming_its_manifest(string manifest)
    {
        var message = manifest switch
        {
            "obs" => Case("Observe of an event with every field"),
            "prop" => Case("Propagate of an event along a path"),
            _ => Case("FactBatch of facts about the object and along paths"),
        };
        var bytes = _serializer.ToBinary(message);

        foreach (var cut in new[] { bytes.Length - 1, bytes.Length / 2, 3 })
        {
            var ex = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes[..cut], manifest));
            Assert.Contains($"[{manifest}]", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Facts_of_one_batch_share_their_recurring_strings_and_their_path()
    {
        var message = (FactBatch)Case("FactBatch of one object's events sharing a path");

        var back = (FactBatch)_serializer.FromBinary(_serializer.ToBinary(message), "batch");

        var events = back.Facts.Select(f => (EventObserved)f.Fact).ToList();
        Assert.Same(events[0].Cluster, events[1].Cluster);
        Assert.Same(events[0].Cluster, events[2].Cluster);
        Assert.Same(events[0].Namespace, events[1].Namespace);
        Assert.True(back.Facts[0].Path == back.Facts[1].Path && back.Facts[1].Path == back.Facts[2].Path, "one path array for the three facts");
        Assert.NotSame(events[0].EventUid, events[1].EventUid);
    }

    /// <summary>The message the generated code would write (built as KSpanSerializer built it before FactWire).</summary>
    private static IMessage Generated(IKSpanMessage message)
    {
        switch (message)
        {
            case Observe o:
            {
                var p = new P.Observe { Cluster = o.Cluster ?? "", Uid = o.Uid ?? "" };
                SetFact(o.Fact, x => p.ObjectObserved = x, x => p.EventObserved = x, x => p.ObjectDeleted = x);
                return p;
            }
            case Propagate g:
            {
                var p = new P.Propagate { Cluster = g.Cluster ?? "", TargetUid = g.TargetUid ?? "", Target = KSpanSerializer.Write(g.Target) };
                SetFact(g.Fact, x => p.ObjectObserved = x, x => p.EventObserved = x, x => p.ObjectDeleted = x);
                AddPath(p.Path, g.Path);
                return p;
            }
            case FactBatch b:
            {
                var p = new P.FactBatch { Cluster = b.Cluster ?? "", TargetUid = b.TargetUid ?? "" };
                if (b.Target is { } target) p.Target = KSpanSerializer.Write(target);
                foreach (var f in b.Facts.IsDefault ? [] : b.Facts)
                {
                    var c = new P.CarriedFact();
                    SetFact(f.Fact, x => c.ObjectObserved = x, x => c.EventObserved = x, x => c.ObjectDeleted = x);
                    AddPath(c.Path, f.Path);
                    p.Facts.Add(c);
                }
                return p;
            }
            default:
                throw new ArgumentException($"not a fact message: {message.GetType().Name}", nameof(message));
        }
    }

    private static void SetFact(IFact fact, Action<P.ObjectObserved> objectObserved, Action<P.EventObserved> eventObserved, Action<P.ObjectDeleted> objectDeleted)
    {
        switch (fact)
        {
            case ObjectObserved o: objectObserved(KSpanSerializer.Write(o)); break;
            case EventObserved e: eventObserved(KSpanSerializer.Write(e)); break;
            case ObjectDeleted d: objectDeleted(KSpanSerializer.Write(d)); break;
        }
    }

    private static void AddPath(Google.Protobuf.Collections.RepeatedField<string> into, ImmutableArray<string> path)
    {
        if (path.IsDefault) return;
        foreach (var uid in path) into.Add(uid ?? "");
    }
}
