using System.Text;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Tests.Tracing;

/// <summary>
/// An Event's uid held as 16 bytes when it is a canonical UUID (<see cref="CompactUid"/>): the same text, ids, equality and
/// order of ties as the string it was read from; anything else kept as that string.
/// </summary>
public sealed class CompactUidTests
{
    private const string Canonical = "0f8fad5b-d9cb-469f-a165-70867728950e";

    public static TheoryData<string> NotCanonical() =>
    [
        "",
        "e1",
        "0F8FAD5B-D9CB-469F-A165-70867728950E", // upper case: packing it would write it back in lower case
        "0f8fad5bd9cb469fa16570867728950e", // no hyphens
        "0f8fad5b-d9cb-469f-a165-70867728950", // one digit short
        "0f8fad5b-d9cb-469f-a165-70867728950e0",
        "0f8fad5b_d9cb-469f-a165-70867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950g",
        "0f8fad5b-d9cb-469f-a165-7086772895é0",
    ];

    [Fact]
    public void A_canonical_uuid_is_packed_and_gives_back_its_text()
    {
        var uid = CompactUid.Of(Canonical);

        Assert.True(uid.IsPacked);
        Assert.Equal(Canonical, uid.ToString());
        Assert.Equal(Canonical, new string(uid.Chars(stackalloc char[CompactUid.CanonicalLength])));
        Assert.True(CompactUid.TryPack(Encoding.UTF8.GetBytes(Canonical), out var fromBytes));
        Assert.Equal(uid, fromBytes);
        Assert.Equal(uid.GetHashCode(), fromBytes.GetHashCode());
    }

    [Theory]
    [MemberData(nameof(NotCanonical))]
    public void Anything_else_is_kept_as_its_string(string text)
    {
        var uid = CompactUid.Of(text);

        Assert.False(uid.IsPacked);
        Assert.Same(text, uid.ToString());
        Assert.False(CompactUid.TryPack(Encoding.UTF8.GetBytes(text), out _));
        Assert.NotEqual(CompactUid.Of(Canonical), uid);
    }

    [Fact]
    public void Uids_are_equal_when_their_text_is()
    {
        Assert.Equal(CompactUid.Of(Canonical), CompactUid.Of(new string(Canonical.AsSpan())));
        Assert.Equal(CompactUid.Of("e1"), CompactUid.Of(new string("e1".AsSpan())));
        Assert.NotEqual(CompactUid.Of(Canonical), CompactUid.Of(Canonical.Replace('e', 'f')));
        Assert.NotEqual(CompactUid.Of(Canonical).Hash64, CompactUid.Of(Canonical.Replace('e', 'f')).Hash64);
    }

    [Fact]
    public void Order_is_the_ordinal_order_of_the_text_packed_or_not()
    {
        var random = new Random(7);
        var texts = new List<string> { Canonical, "e1", "", "0F8FAD5B-D9CB-469F-A165-70867728950E", "zzz", "0f8fad5b" };
        for (var i = 0; i < 200; i++) texts.Add(Guid.NewGuid().ToString());
        texts.Add("00000000-0000-0000-0000-000000000000");
        texts.Add("ffffffff-ffff-ffff-ffff-ffffffffffff");
        texts.Add("8fffffff-ffff-ffff-ffff-ffffffffffff"); // the sign bit of the packed words
        for (var i = 0; i < 2000; i++)
        {
            var a = texts[random.Next(texts.Count)];
            var b = texts[random.Next(texts.Count)];
            Assert.Equal(Math.Sign(string.CompareOrdinal(a, b)), Math.Sign(CompactUid.CompareOrdinal(CompactUid.Of(a), CompactUid.Of(b))));
        }
    }

    [Theory]
    [InlineData(Canonical)]
    [InlineData("uid-event-é")]
    public void Ids_are_those_of_the_text(string text)
    {
        var uid = CompactUid.Of(text);

        Assert.Equal(StableHash.Event("c", text, 3), StableHash.Event("c", uid, 3));
        Assert.Equal(StableHash.Run("c", "top", text, 3), StableHash.Run("c", "top", uid, 3));
    }

    [Fact]
    public void An_event_holds_its_uid_packed_and_reads_as_the_text()
    {
        var e = new EventObserved("c", Canonical, 1, 1, "Scheduled", "", false, "Pod", "ns", "p", null, null, "s", null, false);

        Assert.True(e.Uid.IsPacked);
        Assert.Equal(Canonical, e.EventUid);
        Assert.Equal(e, e with { Message = "" });
        var renamed = e with { EventUid = "e1" };
        Assert.Equal("e1", renamed.EventUid);
        Assert.Equal(CompactUid.Of("e1"), renamed.Uid);
        Assert.NotEqual(e, renamed);
    }

    [Fact]
    public void A_span_attribute_of_a_packed_uid_is_its_text()
    {
        var e = new EventObserved("c", Canonical, 1, 1, "Scheduled", "", false, "Pod", "ns", "p", null, null, "s", null, false);
        var packed = SpanAttribute.OfEventUid("k8s.event.uid", e);

        Assert.True(packed.IsString);
        Assert.Equal(Canonical, packed.StringValue);
        Assert.True(packed.TryGetUid(out var uid) && uid == CompactUid.Of(Canonical));
        Assert.Equal(SpanAttribute.Of("k8s.event.uid", Canonical), packed);
        var text = SpanAttribute.OfEventUid("k8s.event.uid", e with { EventUid = "e1" });
        Assert.False(text.TryGetUid(out _));
        Assert.Equal("e1", text.StringValue);
    }
}
