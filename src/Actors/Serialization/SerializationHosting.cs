using Akka.Hosting;
using KSpanActors.Pipeline;

namespace KSpanActors.Serialization;

/// <summary>Binds <see cref="KSpanSerializer"/> on an Akka.Hosting builder.</summary>
internal static class SerializationHosting
{
    /// <summary>Name of the serializer in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "kspan";

    /// <summary>
    /// Every <see cref="IKSpanMessage"/> (all messages that can cross nodes) goes through <see cref="KSpanSerializer"/>
    /// instead of the default JSON serializer.
    /// </summary>
    public static AkkaConfigurationBuilder WithKSpanSerializer(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(SerializerName, [typeof(IKSpanMessage)], system => new KSpanSerializer(system));
}
