using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using KSpanActors.Export.Waterfall;
using KSpanActors.Model;

namespace KSpanActors.Export.Html;

/// <summary>
/// Writes traces as one self-contained HTML page that opens offline from <c>file://</c>: the style and the script are
/// inline, nothing is fetched (a Content-Security-Policy forbids it, and lets only our own script run, by its hash).
/// Every span of every trace is embedded once, as JSON in a <c>&lt;script type="application/json"&gt;</c> block with
/// <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and quotes escaped, so a message such as <c>&lt;/script&gt;</c> stays data.
/// The page renders lazily: an index of the traces (virtualised: only the rows in view exist), sortable and searchable;
/// a trace's waterfall (rows as the terminal draws them: <see cref="WaterfallRenderer.TreeRows"/>, with object names,
/// the verdict of <see cref="Verdict.Describe"/> on top) is built when it is opened.
/// </summary>
internal static class HtmlReport
{
    /// <summary>The id of the JSON data block.</summary>
    public const string DataElementId = "kspan-data";

    private static readonly string Script = Asset("report.js");
    private static readonly string Style = Asset("report.css");

    /// <summary>Lets only our own script run (no inline script injected by data can, even if escaping failed).</summary>
    private static readonly string ScriptHash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script)));

    /// <summary>
    /// Escapes everything HTML could read as markup (<c>&lt; &gt; &amp; ' " + `</c>) but keeps other text as it is,
    /// so names in any script stay readable and the file small.
    /// </summary>
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Indented = false,
    };

    /// <summary>Writes the page for <paramref name="traces"/>, in the order given (see <see cref="WaterfallExporter.TraceOrder"/>).</summary>
    public static void Write(Stream output, IReadOnlyList<TraceSpans> traces, HtmlReportInfo info)
    {
        var title = "KSpan Actors report: " + info.Source;
        WriteText(output,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src '" + ScriptHash +
            "'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n" +
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
            "<meta name=\"generator\" content=\"kspan-actors\">\n" +
            "<title>" + WebUtility.HtmlEncode(title) + "</title>\n<style>\n" + Style + "</style>\n</head>\n<body>\n" +
            "<noscript><p>This report draws its traces with JavaScript: allow scripts for this file to see them.</p></noscript>\n" +
            "<div id=\"app\"></div>\n<script type=\"application/json\" id=\"" + DataElementId + "\">");
        using (var json = new Utf8JsonWriter(output, JsonOptions))
        {
            WriteData(json, traces, info);
        }
        WriteText(output, "</script>\n<script>" + Script + "</script>\n</body>\n</html>\n");
    }

    private static void WriteData(Utf8JsonWriter json, IReadOnlyList<TraceSpans> traces, HtmlReportInfo info)
    {
        var strings = new StringTable();
        json.WriteStartObject();
        json.WriteString("source", info.Source);
        json.WriteString("written", info.Written.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (info.RewriteEvery is { } every) json.WriteNumber("rewriteSeconds", Math.Max(1, (long)every.TotalSeconds));
        if (info.DroppedTraces > 0)
        {
            json.WriteNumber("droppedTraces", info.DroppedTraces);
            json.WriteNumber("droppedSpans", info.DroppedSpans);
        }
        json.WriteStartArray("traces");
        foreach (var trace in traces)
        {
            if (trace is null || trace.Spans.IsDefaultOrEmpty) continue;
            WriteTrace(json, trace, strings);
        }
        json.WriteEndArray();
        // Written last, filled while the traces were: every name, key and value once.
        json.WriteStartArray("strings");
        foreach (var text in strings.Texts) json.WriteStringValue(text);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// One trace: what the index shows (kind, cluster, namespace, name, duration, errors, verdict) and every span in the
    /// order the waterfall draws them (see <see cref="WriteSpan"/>).
    /// </summary>
    private static void WriteTrace(Utf8JsonWriter json, TraceSpans trace, StringTable strings)
    {
        var spans = TraceShape.SpansOf(trace);
        var root = TraceShape.FindRoot(spans);
        var rows = Rows(spans, root);
        var start = root?.StartNs ?? spans.Min(static s => s.StartNs);
        var end = root?.EndNs ?? spans.Max(static s => s.EndNs);
        var first = root ?? rows[0].Span;

        json.WriteStartObject();
        json.WriteString("id", trace.TraceId.ToHex());
        if (root is null) json.WriteBoolean("late", true);
        json.WriteString("root", root?.Name ?? "late spans");
        json.WriteString("svc", first.Resource.ServiceName);
        json.WriteString("kind", Kind(first.Name));
        json.WriteString("what", root is null ? "late" : Verdict.What(root.Name));
        json.WriteString("cluster", first.Resource.ClusterName);
        json.WriteString("ns", first.Attribute("k8s.namespace.name") ?? "");
        json.WriteString("name", ObjectOf(first) ?? "");
        json.WriteNumber("start", start / 1_000_000); // ms since the epoch
        json.WriteNumber("dur", Math.Max(0, end - start));
        json.WriteNumber("errors", spans.Count(TraceShape.IsError));
        json.WriteString("verdict", SafeVerdict(trace));
        var index = new Dictionary<SpanId, int>(rows.Count);
        for (var i = 0; i < rows.Count; i++) index.TryAdd(rows[i].Span.SpanId, i);
        json.WriteStartArray("spans");
        foreach (var row in rows) WriteSpan(json, row, start, first.Resource, index, strings);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// A span as one array (the report's bulk: kept small, so a 10,000-trace report still opens quickly):
    /// <c>[id, parent, name, prefix, object, service, instance, cluster, start, length, flags, status message, attributes]</c>.
    /// Texts are indexes into the report's <c>strings</c> (-1: none); parent is the row index of the parent span in the
    /// trace (-1: none), or its hex id when it is not in the trace; start (from the trace's start) and length are in ms;
    /// flags: 1 ERROR, 2 hangs under the root for want of its parent; attributes are key and value indexes in turn
    /// (integer values written as text). The cluster is given only when it is not the trace's.
    /// </summary>
    private static void WriteSpan(
        Utf8JsonWriter json, WaterfallRenderer.Row row, long traceStart, SpanResource traceResource, Dictionary<SpanId, int> index, StringTable strings)
    {
        var s = row.Span;
        json.WriteStartArray();
        json.WriteStringValue(s.SpanId.ToHex());
        if (s.ParentSpanId.IsNone) json.WriteNumberValue(-1);
        else if (index.TryGetValue(s.ParentSpanId, out var parent)) json.WriteNumberValue(parent);
        else json.WriteStringValue(s.ParentSpanId.ToHex());
        json.WriteNumberValue(strings.Of(s.Name));
        json.WriteNumberValue(strings.Of(row.Prefix.Length > 0 ? row.Prefix : null));
        json.WriteNumberValue(strings.Of(WaterfallRenderer.ObjectName(s)));
        json.WriteNumberValue(strings.Of(s.Resource.ServiceName));
        json.WriteNumberValue(strings.Of(s.Resource.ServiceInstanceId));
        json.WriteNumberValue(strings.Of(s.Resource.ClusterName == traceResource.ClusterName ? null : s.Resource.ClusterName));
        json.WriteNumberValue((s.StartNs - traceStart) / 1e6);
        json.WriteNumberValue(TraceShape.Duration(s) / 1e6);
        json.WriteNumberValue((TraceShape.IsError(s) ? 1 : 0) | (row.Orphan ? 2 : 0));
        json.WriteNumberValue(strings.Of(string.IsNullOrWhiteSpace(s.StatusMessage) ? null : s.StatusMessage));
        json.WriteStartArray();
        foreach (var a in s.Attributes)
        {
            json.WriteNumberValue(strings.Of(a.Key));
            json.WriteNumberValue(strings.Of(a.StringValue ?? a.IntValue.ToString(CultureInfo.InvariantCulture)));
        }
        json.WriteEndArray();
        json.WriteEndArray();
    }

    /// <summary>Every distinct text of a report once, by first use.</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public List<string> Texts { get; } = [];

        public int Of(string? text)
        {
            if (text is null) return -1;
            if (_index.TryGetValue(text, out var i)) return i;
            _index[text] = Texts.Count;
            Texts.Add(text);
            return Texts.Count - 1;
        }
    }

    /// <summary>
    /// The rows the terminal draws (<see cref="WaterfallRenderer.TreeRows"/>); a group without a root (late spans) in
    /// <see cref="WaterfallRenderer.KubernetesOrder"/>. Every span is in the result, drawn or not.
    /// </summary>
    internal static List<WaterfallRenderer.Row> Rows(IReadOnlyList<SpanRecord> spans, SpanRecord? root)
    {
        List<WaterfallRenderer.Row> rows;
        try
        {
            rows = root is null ? Flat(spans) : WaterfallRenderer.TreeRows(spans, root);
        }
        catch (Exception)
        {
            rows = Flat(spans); // whatever went wrong drawing the tree, the spans are still listed, by start
        }
        if (rows.Count < spans.Count)
        {
            // Nothing lost: a span the tree did not reach is still listed (under the root, as an orphan).
            var drawn = new HashSet<SpanRecord>(rows.Select(static r => r.Span), ReferenceEqualityComparer.Instance);
            foreach (var s in spans)
            {
                if (drawn.Add(s)) rows.Add(new WaterfallRenderer.Row("", "", true, s));
            }
        }
        return rows;
    }

    private static List<WaterfallRenderer.Row> Flat(IReadOnlyList<SpanRecord> spans)
    {
        var sorted = spans.ToList();
        sorted.Sort(WaterfallRenderer.KubernetesOrder);
        return [.. sorted.Select(static s => new WaterfallRenderer.Row("", "", false, s))];
    }

    private static string SafeVerdict(TraceSpans trace)
    {
        try
        {
            return Verdict.Describe(trace);
        }
        catch (Exception e)
        {
            return $"trace {trace.TraceId.ToHex()}: no verdict ({e.GetType().Name}: {e.Message})";
        }
    }

    private static string Kind(string spanName)
    {
        var dot = spanName.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? spanName : spanName[..dot];
    }

    /// <summary>The name of the object a trace is about (its root's), as the verdict names it.</summary>
    private static string? ObjectOf(SpanRecord span)
    {
        var subject = Verdict.Subject(span);
        if (subject == span.Name) return WaterfallRenderer.ObjectName(span);
        var slash = subject.IndexOf('/', StringComparison.Ordinal);
        var ns = span.Attribute("k8s.namespace.name");
        return !string.IsNullOrEmpty(ns) && slash == ns.Length && subject.StartsWith(ns, StringComparison.Ordinal) ? subject[(slash + 1)..] : subject;
    }

    private static void WriteText(Stream output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        output.Write(bytes, 0, bytes.Length);
    }

    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("KSpanActors.Export.Html." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // The script and style must never close their own element.
        var text = reader.ReadToEnd();
        return text.Contains("</", StringComparison.Ordinal) ? throw new InvalidOperationException($"{name} contains '</'") : text;
    }
}
