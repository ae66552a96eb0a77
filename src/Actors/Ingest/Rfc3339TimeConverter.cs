using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>
/// KubernetesClient's time converter with a fast path in front: the form the API server writes
/// (<c>2026-01-01T10:00:03Z</c>, or with 1-9 fraction digits) is parsed straight from the UTF-8 bytes, with no string
/// and no format matching; any other text (offsets, escapes, out-of-range fields, garbage) goes to KubernetesJson's own
/// converter, so what is accepted, what is rejected and every value are KubernetesJson's (a test compares both on the
/// same inputs). One deliberate difference: the string <c>"null"</c>, which support bundles written by common tools carry
/// where the API server wrote a JSON null, reads as an unset time (Go's zero time, see <see cref="KubeDecoder.IsSet"/>),
/// where KubernetesJson rejects the whole document ("Unable to parse null as RFC3339").
/// </summary>
/// <remarks>
/// KubernetesJson parses with DateTimeOffset.TryParseExact over a string, then retries with a regular expression for
/// fractions it does not take as they are: a third of an Event's decoding time. Its rule for fractions is kept: the
/// first 7 digits count (100 ns ticks), the others are cut, not rounded.
/// </remarks>
internal sealed class Rfc3339TimeConverter(JsonConverter<DateTime> kubernetes) : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped
            && TryParseUtc(reader.ValueSpan, out var time))
        {
            return time;
        }
        if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("null"u8)) return default;
        return kubernetes.Read(ref reader, typeToConvert, options);
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) => kubernetes.Write(writer, value, options);

    /// <summary><c>yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z</c> with every field in range, as a UTC DateTime; false for anything else.</summary>
    internal static bool TryParseUtc(ReadOnlySpan<byte> s, out DateTime time)
    {
        time = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[^1] != 'Z') return false;
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }
        long fraction = 0;
        if (s.Length > 20)
        {
            // ".f" up to ".fffffffff" before the Z
            var digits = s.Length - 21;
            if (s[19] != '.' || digits is < 1 or > 9) return false;
            for (var i = 0; i < digits; i++)
            {
                var d = s[20 + i] - '0';
                if ((uint)d > 9) return false;
                if (i < 7) fraction = (fraction * 10) + d;
            }
            for (var i = digits; i < 7; i++) fraction *= 10;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        time = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9) return false;
            value = (value * 10) + d;
        }
        return true;
    }
}
