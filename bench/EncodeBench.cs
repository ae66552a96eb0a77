using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using KSpanActors.Export.Otlp;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Bench;

/// <summary>
/// --mode encode: the stages of the hot path one at a time, on one thread, over the first events of the bench input:
/// decode (KubeDecoder), span building (SpanFactory) and OTLP/JSON encoding of batches. For finding where time goes;
/// the pipeline mode is the measure.
/// </summary>
internal static class EncodeBench
{
    public static int Run(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        var scenario = DemoScenario.ForScale(options.Events, options.Objects);
        var path = InputFile.PathFor(scenario);
        if (!InputFile.IsCurrent(path, InputFile.Fingerprint(scenario))) InputFile.Write(scenario, path, InputFile.Fingerprint(scenario));
        var events = new List<EventObserved>();
        foreach (var doc in InputFile.Read(path))
        {
            if (!doc.IsEvent) continue;
            if (KubeDecoder.TryDecode(doc.Cluster, doc.Document, out var fact, out _) && fact is EventObserved e) events.Add(e);
            if (events.Count >= 100_000) break;
        }
        var spans = new SpanRecord[events.Count];
        var sw = new Stopwatch();
        double build = 0;
        for (var round = 0; round < 7; round++)
        {
            sw.Restart();
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                spans[i] = SpanFactory.EventSpan(e.Cluster, null, e, new TraceId((ulong)i, (ulong)round), new SpanId((ulong)i + 1), new SpanId((ulong)i + 7), e.TimeNs, e.TimeNs + 1000);
            }
            build = Math.Max(build, events.Count / sw.Elapsed.TotalSeconds);
        }
        var batches = new List<List<TraceSpans>>();
        for (var i = 0; i < spans.Length; i += options.BatchSize)
        {
            var batch = new List<TraceSpans>();
            for (var j = i; j < Math.Min(spans.Length, i + options.BatchSize); j += 4)
            {
                batch.Add(new TraceSpans(spans[j].TraceId, [.. spans.AsSpan(j, Math.Min(4, spans.Length - j))]));
            }
            batches.Add(batch);
        }
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        long bytes = 0;
        double best = 0;
        for (var round = 0; round < 7; round++)
        {
            bytes = 0;
            sw.Restart();
            foreach (var b in batches)
            {
                buffer.ResetWrittenCount();
                OtlpJson.Write(buffer, b);
                bytes += buffer.WrittenCount;
            }
            best = Math.Max(best, spans.Length / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine(string.Create(culture,
            $"encode: {spans.Length:N0} spans, {bytes / (double)spans.Length:N0} B each; SpanFactory {build:N0} spans/s, OTLP/JSON {best:N0} spans/s ({best * bytes / spans.Length / 1e6:N0} MB/s), best of 7"));
        return 0;
    }
}
