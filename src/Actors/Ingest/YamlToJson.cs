using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KSpanActors.Ingest;

/// <summary>
/// Converts one YAML document to UTF-8 JSON by walking the parser's events into a <see cref="Utf8JsonWriter"/>.
/// Scalars follow the YAML 1.2 core schema: quoted and block scalars (and <c>!!str</c>) stay strings; plain scalars
/// become null, bool, integer or float when they look like one, else strings. Aliases repeat their anchor's JSON (an
/// alias of no anchor, such as a redacted <c>***HIDDEN***</c>, is the string it is written as).
/// </summary>
internal static class YamlToJson
{
    private const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>
    /// Converts the single document in <paramref name="yaml"/>; null when it holds no node (only comments).
    /// Throws <see cref="YamlException"/> (or another exception from the parser) on a syntax error.
    /// </summary>
    public static ReadOnlyMemory<byte>? Convert(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, yaml.Length));
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false, Indented = false });
        var anchors = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var written = false;

        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case DocumentStart:
                        if (written) throw new YamlException("more than one YAML document where one was expected");
                        break;
                    case NodeEvent or AnchorAlias:
                        WriteNode(parser, parser.Current, writer, buffer, anchors);
                        written = true;
                        break;
                }
            }
        }
        catch (Exception e) when (e is not YamlException)
        {
            // The scanner sometimes fails without a position (InvalidOperationException); point after the last good event.
            var mark = parser.Current?.End ?? Mark.Empty;
            throw new YamlException(mark, mark, $"cannot parse past this point ({e.Message})", e);
        }

        writer.Flush();
        return written ? buffer.WrittenMemory : (ReadOnlyMemory<byte>?)null;
    }

    private static void WriteNode(IParser parser, ParsingEvent node, Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, Dictionary<string, ReadOnlyMemory<byte>> anchors)
    {
        if (node is AnchorAlias alias)
        {
            if (anchors.TryGetValue(alias.Value.Value, out var json))
            {
                writer.WriteRawValue(json.Span, skipInputValidation: true);
            }
            else
            {
                // An alias of no anchor is its own text: troubleshoot's redactor writes ***HIDDEN*** unquoted, which YAML
                // reads as the alias "**HIDDEN***"; the value is the redaction mark, not an error in the document.
                writer.WriteStringValue(string.Concat("*", alias.Value.Value));
            }
            return;
        }

        var anchor = node is NodeEvent { Anchor.IsEmpty: false } named ? named.Anchor.Value : null;
        var anchored = anchor is not null;
        var start = 0;
        if (anchored)
        {
            writer.Flush();
            start = buffer.WrittenCount;
        }

        switch (node)
        {
            case Scalar scalar:
                WriteScalar(scalar, writer);
                break;
            case SequenceStart:
                writer.WriteStartArray();
                while (parser.MoveNext() && parser.Current is not SequenceEnd)
                {
                    WriteNode(parser, Expect<ParsingEvent>(parser), writer, buffer, anchors);
                }
                writer.WriteEndArray();
                break;
            case MappingStart:
                writer.WriteStartObject();
                while (parser.MoveNext() && parser.Current is not MappingEnd)
                {
                    var key = Expect<ParsingEvent>(parser);
                    if (key is not Scalar keyScalar)
                    {
                        throw new YamlException(key.Start, key.End, "only scalar mapping keys can be converted to JSON");
                    }
                    writer.WritePropertyName(keyScalar.Value);
                    if (!parser.MoveNext()) throw new YamlException(key.Start, key.End, "mapping key without value");
                    WriteNode(parser, Expect<ParsingEvent>(parser), writer, buffer, anchors);
                }
                writer.WriteEndObject();
                break;
            default:
                throw new YamlException(node.Start, node.End, $"unexpected {node.GetType().Name}");
        }

        if (anchored)
        {
            writer.Flush();
            var json = buffer.WrittenMemory[start..];
            // The writer puts the separating comma before a value, so an anchored list item starts with one.
            if (json.Length > 0 && json.Span[0] == (byte)',') json = json[1..];
            anchors[anchor!] = json;
        }
    }

    private static T Expect<T>(IParser parser)
        where T : ParsingEvent
        => parser.Current as T
            ?? throw new YamlException(parser.Current?.Start ?? Mark.Empty, parser.Current?.End ?? Mark.Empty, $"unexpected {parser.Current?.GetType().Name ?? "end"}");

    private static void WriteScalar(Scalar scalar, Utf8JsonWriter writer)
    {
        var value = scalar.Value;
        // An explicit "!" (non-specific) or "!!str" tag keeps the text; "?" (no tag) leaves it to the core schema.
        var tag = scalar.Tag;
        var keepsText = !tag.IsEmpty && (tag.IsNonSpecific || string.Equals(tag.Value, StrTag, StringComparison.Ordinal));
        var typed = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && !keepsText;
        if (!typed)
        {
            writer.WriteStringValue(value);
            return;
        }

        switch (Resolve(value, out var integer, out var real))
        {
            case PlainType.Null: writer.WriteNullValue(); break;
            case PlainType.True: writer.WriteBooleanValue(true); break;
            case PlainType.False: writer.WriteBooleanValue(false); break;
            case PlainType.Integer: writer.WriteNumberValue(integer); break;
            case PlainType.Float: writer.WriteNumberValue(real); break;
            default: writer.WriteStringValue(value); break;
        }
    }

    internal enum PlainType
    {
        String,
        Null,
        True,
        False,
        Integer,
        Float,
    }

    /// <summary>How the YAML 1.2 core schema reads a plain scalar. Infinities and NaN stay strings (JSON has none).</summary>
    internal static PlainType Resolve(string value, out long integer, out double real)
    {
        integer = 0;
        real = 0;
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return PlainType.Null;
            case "true" or "True" or "TRUE": return PlainType.True;
            case "false" or "False" or "FALSE": return PlainType.False;
        }

        var s = value.AsSpan();
        if (s.Length > 2 && s[0] == '0' && s[1] == 'x' && IsAll(s[2..], IsHex))
        {
            return long.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out integer) && integer >= 0
                ? PlainType.Integer
                : PlainType.String;
        }

        if (s.Length > 2 && s[0] == '0' && s[1] == 'o' && IsAll(s[2..], c => c is >= '0' and <= '7'))
        {
            try
            {
                integer = System.Convert.ToInt64(s[2..].ToString(), 8);
                return integer >= 0 ? PlainType.Integer : PlainType.String;
            }
            catch (OverflowException)
            {
                return PlainType.String;
            }
        }

        var digits = s.Length > 0 && s[0] is '+' or '-' ? s[1..] : s;
        if (digits.Length > 0 && IsAll(digits, char.IsAsciiDigit))
        {
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer)) return PlainType.Integer;
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out real) ? PlainType.Float : PlainType.String;
        }

        return IsCoreFloat(digits) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out real)
            ? PlainType.Float
            : PlainType.String;
    }

    /// <summary>Matches <c>(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?</c> (the sign already removed).</summary>
    private static bool IsCoreFloat(ReadOnlySpan<char> s)
    {
        var i = 0;
        var intDigits = CountDigits(s, ref i);
        var fracDigits = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            fracDigits = CountDigits(s, ref i);
            if (intDigits == 0 && fracDigits == 0) return false;
        }
        else if (intDigits == 0)
        {
            return false;
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            if (CountDigits(s, ref i) == 0) return false;
        }

        return i == s.Length;
    }

    private static int CountDigits(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i - start;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static bool IsAll(ReadOnlySpan<char> s, Func<char, bool> test)
    {
        foreach (var c in s)
        {
            if (!test(c)) return false;
        }
        return true;
    }
}
