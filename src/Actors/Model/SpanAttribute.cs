namespace KSpanActors.Model;

/// <summary>A span attribute: a string or an integer value.</summary>
internal readonly record struct SpanAttribute(string Key, string? StringValue, long IntValue)
{
    public static SpanAttribute Of(string key, string value) => new(key, value, 0);

    public static SpanAttribute Of(string key, long value) => new(key, null, value);

    public bool IsString => StringValue is not null;
}
