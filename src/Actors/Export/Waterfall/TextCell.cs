using System.Globalization;

namespace KSpanActors.Export.Waterfall;

/// <summary>Column helpers that count text elements, not UTF-16 units.</summary>
internal static class TextCell
{
    public const string Ellipsis = "…";

    public static int Width(string text) => new StringInfo(text).LengthInTextElements;

    /// <summary>At most <paramref name="width"/> columns; a cut string ends with <c>…</c>.</summary>
    public static string Truncate(string text, int width)
    {
        if (width <= 0) return "";
        var info = new StringInfo(text);
        if (info.LengthInTextElements <= width) return text;
        return width == 1 ? Ellipsis : info.SubstringByTextElements(0, width - 1) + Ellipsis;
    }

    public static string PadRight(string text, int width)
    {
        var pad = width - Width(text);
        return pad > 0 ? text + new string(' ', pad) : text;
    }

    public static string PadLeft(string text, int width)
    {
        var pad = width - Width(text);
        return pad > 0 ? new string(' ', pad) + text : text;
    }

}
