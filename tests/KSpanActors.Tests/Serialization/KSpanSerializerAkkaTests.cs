using Akka.Actor;
using Akka.Hosting;
using KSpanActors.Pipeline;
using KSpanActors.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KSpanActors.Tests.Serialization;

/// <summary>
/// An ActorSystem built by Akka.Hosting with <see cref="SerializationHosting.WithKSpanSerializer"/> and
/// <c>akka.actor.serialize-messages = on</c>: every local send goes through the bound serializer and back.
/// </summary>
public sealed class KSpanSerializerAkkaTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly IHost _host;

    public KSpanSerializerAkkaTests()
        : this(StartHost())
    {
    }

    private KSpanSerializerAkkaTests(IHost host)
        : base(host.Services.GetRequiredService<ActorSystem>())
    {
        _host = host;
    }

    public static TheoryData<string> Samples() => SampleMessages.Names();

    private static IHost StartHost()
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("kspan-serializer-akka", builder => builder
                .AddHocon("akka.actor.serialize-messages = on", HoconAddMode.Prepend)
                .WithKSpanSerializer()))
            .Build();
        host.Start();
        return host;
    }

    [Fact]
    public void Messages_are_verified_by_serialization_on_every_send()
    {
        Assert.True(Sys.Settings.SerializeAllMessages);
    }

    [Fact]
    public void Every_concrete_IKSpanMessage_type_is_bound_to_KSpanSerializer_and_never_to_the_JSON_default()
    {
        foreach (var type in SampleMessages.ConcreteMessageTypes())
        {
            var serializer = Sys.Serialization.FindSerializerForType(type);
            Assert.True(serializer is KSpanSerializer, $"{type.Name} goes to {serializer.GetType().Name}");
        }
        foreach (var message in SampleMessages.All.Values)
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<KSpanSerializer>(serializer);
            Assert.Equal(KSpanSerializer.Id, serializer.Identifier);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_message_sent_to_an_actor_arrives_as_an_equal_copy_made_by_the_serializer(string name)
    {
        var message = SampleMessages.All[name];

        TestActor.Tell(message);

        var received = ExpectMsg<IKSpanMessage>(TimeSpan.FromSeconds(5));
        Assert.NotSame(message, received);
        SampleMessages.AssertEqualByValue(message, received);
    }

    [Fact]
    public void Akkas_own_serialization_round_trip_uses_the_manifest_and_id()
    {
        foreach (var message in SampleMessages.All.Values)
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            var bytes = serializer.ToBinary(message);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);

            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

            SampleMessages.AssertEqualByValue(message, back);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _host.StopAsync().GetAwaiter().GetResult();
            _host.Dispose();
        }
    }
}
