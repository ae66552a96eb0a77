using System.Text;

namespace KSpanActors;

/// <summary>Text made to fit on one line of a log or a terminal (the one place that does it).</summary>
internal static class TextLine
{
    /// <summary>
    /// One line: trimmed, and every run of white space or control characters (new lines included) one space; longer
    /// than <paramref name="max"/> characters, cut and ended with "…".
    /// </summary>
    public static string Of(string text, int max = int.MaxValue)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max == int.MaxValue ? text.Length : max + 1));
        var space = false;
        foreach (var c in text.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = true;
                continue;
            }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(c);
            if (sb.Length > max)
            {
                sb.Length = max;
                return sb.Append('…').ToString();
            }
        }
        return sb.ToString();
    }
}
