using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using KSpanActors.Model;

namespace KSpanActors.Ingest;

/// <summary>ownerReferences straight into <see cref="OwnerRef"/>s: null entries dropped, missing strings empty.</summary>
internal sealed class OwnerReferencesConverter : JsonConverter<ImmutableArray<OwnerRef>>
{
    public override bool HandleNull => true;

    public override ImmutableArray<OwnerRef> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return ImmutableArray<OwnerRef>.Empty;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"ownerReferences: expected an array, got {reader.TokenType}");

        OwnerRef? first = null;
        ImmutableArray<OwnerRef>.Builder? more = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var entry = NestedObject<OwnerReferenceEntry>.Read(ref reader, options);
            if (entry is null) continue;
            var owner = new OwnerRef(entry.Kind ?? "", entry.Name ?? "", entry.Uid ?? "", entry.Controller == true);
            if (first is null)
            {
                first = owner;
                continue;
            }

            if (more is null)
            {
                more = ImmutableArray.CreateBuilder<OwnerRef>(4);
                more.Add(first.Value);
            }
            more.Add(owner);
        }

        return more is not null ? more.ToImmutable()
            : first is { } one ? ImmutableArray.Create(one)
            : ImmutableArray<OwnerRef>.Empty;
    }

    public override void Write(Utf8JsonWriter writer, ImmutableArray<OwnerRef> value, JsonSerializerOptions options) => throw new NotSupportedException();
}
