using System.Text;

namespace KSpanActors.Ingest;

/// <summary>Splits a multi-document YAML text on its document markers, keeping only documents with content.</summary>
internal static class YamlDocuments
{
    /// <summary>One document's text, the file line it starts on (1-based) and its capture header, if any.</summary>
    internal sealed record Chunk(string Text, int FirstLine, CaptureHeader Header);

    public static List<Chunk> Split(string text)
    {
        var chunks = new List<Chunk>();
        var current = new StringBuilder();
        var firstLine = 1;
        var lineNumber = 0;
        var hasContent = false;
        string? header = null;

        void Close()
        {
            if (hasContent)
            {
                chunks.Add(new Chunk(current.ToString(), firstLine, header is null ? default : CaptureHeader.Parse(header)));
            }
            current.Clear();
            hasContent = false;
            header = null;
        }

        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine;
            if (IsMarker(line, "---") || IsMarker(line, "..."))
            {
                Close();
                // The chunk's first line stands for the marker line, so parser line numbers map back to the file.
                firstLine = lineNumber;
                // "--- {a: 1}" or "--- !!map": content on the marker line stays in the document.
                var rest = line.Length > 3 ? line[3..].Trim() : [];
                if (line[0] == '-' && !rest.IsEmpty && rest[0] != '#')
                {
                    current.Append(rest);
                    hasContent = true;
                }
                current.Append('\n');
                continue;
            }

            var trimmed = line.TrimStart();
            if (!hasContent && trimmed.StartsWith("#"))
            {
                var comment = trimmed[1..].Trim();
                if (header is null && comment.StartsWith("{")) header = comment.ToString();
            }
            else if (line.StartsWith("%") && !hasContent)
            {
                // A directive belongs to the next document; YamlDotNet would need the marker after it. Keep the line count.
                current.Append('\n');
                continue;
            }
            else if (!trimmed.IsEmpty)
            {
                hasContent = true;
            }

            current.Append(line).Append('\n');
        }

        Close();
        return chunks;
    }

    private static bool IsMarker(ReadOnlySpan<char> line, string marker)
        => line.StartsWith(marker) && (line.Length == 3 || line[3] is ' ' or '\t');
}
