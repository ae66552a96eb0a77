using System.Runtime.Serialization;
using Akka.Actor;
using Google.Protobuf;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Serialization;
using KSpanActors.Tracing;

namespace KSpanActors.Tests.Serialization;

/// <summary>One plain ActorSystem for the serializer to hang on (it needs one to be built).</summary>
public sealed class SerializerSystemFixture : IDisposable
{
    public SerializerSystemFixture()
    {
        System = ActorSystem.Create("kspan-serializer-unit");
        Serializer = new KSpanSerializer((ExtendedActorSystem)System);
    }

    internal ActorSystem System { get; }

    internal KSpanSerializer Serializer { get; }

    public void Dispose() => System.Dispose();
}

public sealed class KSpanSerializerTests(SerializerSystemFixture fixture) : IClassFixture<SerializerSystemFixture>
{
    private readonly KSpanSerializer _serializer = fixture.Serializer;

    public static TheoryData<string> Samples() => SampleMessages.Names();

    private object RoundTrip(object message) => _serializer.FromBinary(_serializer.ToBinary(message), _serializer.Manifest(message));

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_message_comes_back_equal_by_value(string name)
    {
        var message = SampleMessages.All[name];

        var back = RoundTrip(message);

        Assert.IsType(message.GetType(), back);
        SampleMessages.AssertEqualByValue(message, back);
    }

    [Fact]
    public void Every_concrete_IKSpanMessage_type_in_the_assembly_has_a_sample()
    {
        var sampled = SampleMessages.All.Values.Select(m => m.GetType()).ToHashSet();

        var missing = SampleMessages.ConcreteMessageTypes().Where(t => !sampled.Contains(t)).Select(t => t.FullName).ToList();

        Assert.True(missing.Count == 0, "add a sample (and a KSpanSerializer case) for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_message_type_and_fact_variant_has_a_sample_with_every_field_set()
    {
        var parts = SampleMessages.All.Values.SelectMany(SampleMessages.WithParts).ToList();
        var types = SampleMessages.ConcreteMessageTypes().Concat([typeof(ObjectObserved), typeof(EventObserved), typeof(ObjectDeleted), typeof(OwnerRef), typeof(ObjectRef)]);

        var incomplete = types.Where(t => !parts.Any(p => p.GetType() == t && SampleMessages.EveryFieldSet(p))).Select(t => t.Name).ToList();

        Assert.True(incomplete.Count == 0, "no sample sets every field of: " + string.Join(", ", incomplete));
    }

    [Fact]
    public void Every_type_with_nullable_fields_or_arrays_has_a_sample_with_them_null_or_empty()
    {
        var parts = SampleMessages.All.Values.SelectMany(SampleMessages.WithParts).ToList();
        var types = SampleMessages.ConcreteMessageTypes().Concat([typeof(ObjectObserved), typeof(EventObserved)]).Where(SampleMessages.HasOptionalParts).ToList();

        var missing = types.Where(t => !parts.Any(p => p.GetType() == t && SampleMessages.EveryOptionalAbsent(p))).Select(t => t.Name).ToList();

        Assert.Contains(typeof(Propagate), types);
        Assert.Contains(typeof(EventObserved), types);
        Assert.True(missing.Count == 0, "no sample leaves every nullable field null / array empty in: " + string.Join(", ", missing));
    }

    [Fact]
    public void Nullable_strings_come_back_null_and_set_ones_come_back_set()
    {
        var sparse = (EventObserved)((Observe)RoundTrip(new Observe("c", "u", SampleMessages.SparseEvent))).Fact;
        var full = (EventObserved)((Observe)RoundTrip(new Observe("c", "u", SampleMessages.FullEvent))).Fact;
        var emptyNotNull = (EventObserved)((Observe)RoundTrip(new Observe("c", "u", SampleMessages.SparseEvent with { ObjectUid = "", FieldPath = "", Instance = "" }))).Fact;

        Assert.Null(sparse.ObjectUid);
        Assert.Null(sparse.FieldPath);
        Assert.Null(sparse.Instance);
        Assert.Equal("uid-pod-Ω", full.ObjectUid);
        Assert.Equal("", emptyNotNull.ObjectUid);
        Assert.Equal("", emptyNotNull.FieldPath);
        Assert.Equal("", emptyNotNull.Instance);
    }

    [Fact]
    public void Each_message_type_has_its_own_short_manifest()
    {
        var manifests = SampleMessages.All.Values.GroupBy(m => m.GetType()).ToDictionary(g => g.Key, g => _serializer.Manifest(g.First()));

        Assert.Equal(manifests.Count, manifests.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(manifests.Values, m => Assert.InRange(m.Length, 1, 6));
        Assert.All(SampleMessages.All.Values, m => Assert.Equal(manifests[m.GetType()], _serializer.Manifest(m)));
    }

    [Fact]
    public void The_serializer_id_is_fixed_and_outside_Akkas_reserved_range()
    {
        Assert.Equal(9871, _serializer.Identifier);
        Assert.Equal(KSpanSerializer.Id, _serializer.Identifier);
        Assert.True(_serializer.Identifier > 100, "Akka reserves ids 0-100 for its own serializers");
    }

    [Fact]
    public void An_unknown_manifest_throws_a_SerializationException_naming_it()
    {
        var ex = Assert.Throws<SerializationException>(() => _serializer.FromBinary([], "nope?"));

        Assert.Contains("nope?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_of_another_type_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _serializer.ToBinary("not ours"));
        Assert.Throws<ArgumentException>(() => _serializer.Manifest(42));
    }

    [Fact]
    public void A_default_path_comes_back_empty_and_a_default_ref_comes_back_with_empty_strings()
    {
        var message = new Propagate("c", "u", default, SampleMessages.Deleted, default);

        var back = (Propagate)RoundTrip(message);

        Assert.True(back.Path.IsEmpty);
        Assert.Equal(new ObjectRef("", "", ""), back.Target);
    }

    [Fact]
    public void An_Observe_without_its_fact_is_refused_when_read()
    {
        // An Observe written by a node that knew a fact variant this one does not: the oneof reads as empty.
        var bytes = new KSpanActors.Serialization.Proto.Observe { Cluster = "c", Uid = "u" }.ToByteArray();

        var ex = Assert.Throws<SerializationException>(() => _serializer.FromBinary(bytes, "obs"));

        Assert.Contains("obs", ex.Message, StringComparison.Ordinal);
    }
}
