using System.Buffers;
using Google.Protobuf;
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
/// decode (KubeDecoder), span building (SpanFactory), OTLP/JSON encoding of batches, and the serializer the facts cross
/// between replicas with (written and read back). For finding where time goes; the pipeline mode is the measure.
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
        Protobuf(batches, spans.Length);
        Wire(events);
        return 0;
    }

    /// <summary>
    /// OTLP/protobuf, as the gRPC and http/protobuf exporters send it: the request of each batch as bytes, written
    /// straight from the spans (<see cref="OtlpProtobuf"/>, what they send) and through the generated messages.
    /// </summary>
    private static void Protobuf(List<List<TraceSpans>> batches, int spans)
    {
        var culture = CultureInfo.InvariantCulture;
        (double Rate, long Bytes, long Allocated) Measure(Func<List<TraceSpans>, byte[]> encode) => BestOf7(spans, () =>
        {
            long bytes = 0;
            foreach (var b in batches) bytes += encode(b).Length;
            return bytes;
        });
        var direct = Measure(OtlpProtobuf.ToBytes);
        var messages = Measure(b => OtlpRequestBuilder.Build(b).ToByteArray());
        Console.WriteLine(string.Create(culture,
            $"otlp/protobuf: {direct.Bytes / (double)spans:N0} B per span; written from the spans {direct.Rate:N0} spans/s, {direct.Allocated / (double)spans:N0} B allocated per span (the request's bytes included); through the generated messages {messages.Rate:N0} spans/s, {messages.Allocated / (double)spans:N0} B per span; best of 7"));
    }

    /// <summary>
    /// Seven rounds of <paramref name="round"/> over <paramref name="items"/> items: the best rate, and the bytes the last
    /// round produced and allocated on this thread.
    /// </summary>
    private static (double Rate, long Bytes, long Allocated) BestOf7(int items, Func<long> round)
    {
        var sw = new Stopwatch();
        double best = 0;
        long bytes = 0, allocated = 0;
        for (var r = 0; r < 7; r++)
        {
            var alloc0 = GC.GetAllocatedBytesForCurrentThread();
            sw.Restart();
            bytes = round();
            best = Math.Max(best, items / sw.Elapsed.TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        }
        return (best, bytes, allocated);
    }

    /// <summary>
    /// The facts that cross between replicas, through the serializer both ways (written, then read back): batches of
    /// three Events for one object, as a rollout's go out, with the path of a pod's fact to its Deployment.
    /// </summary>
    private static void Wire(List<EventObserved> events)
    {
        var culture = CultureInfo.InvariantCulture;
        var serializer = new Serialization.KSpanSerializer(null!);
        var target = new ObjectRef("Deployment", "default", "web");
        ImmutableArray<string> path = ["3f1c8e2a-5b7d-4c1e-9a2f-6d8b0e4c7a15", "8a2d4f6b-1c3e-4a5b-8d7f-2e9c0b1a3d57"];
        var batches = new List<Pipeline.FactBatch>();
        for (var i = 0; i + 3 <= events.Count; i += 3)
        {
            batches.Add(new Pipeline.FactBatch(events[i].Cluster, "5c7e9a1b-3d5f-4b6d-8e0a-1c3e5a7b9d2f", target,
                [new Pipeline.CarriedFact(events[i], path), new Pipeline.CarriedFact(events[i + 1], path), new Pipeline.CarriedFact(events[i + 2], path)]));
        }
        var manifest = serializer.Manifest(batches[0]);
        var (best, bytes, allocated) = BestOf7(batches.Count * 3, () =>
        {
            long written = 0;
            foreach (var b in batches)
            {
                var wire = serializer.ToBinary(b);
                written += wire.Length;
                if (serializer.FromBinary(wire, manifest) is not Pipeline.FactBatch { Facts.Length: 3 }) throw new InvalidOperationException("a batch did not come back whole");
            }
            return written;
        });
        var facts = batches.Count * 3.0;
        Console.WriteLine(string.Create(culture,
            $"wire: {facts:N0} Events in batches of 3, {bytes / facts:N0} B each on the wire; written and read back at {best:N0} Events/s, {allocated / facts:N0} B allocated per Event, best of 7"));
    }
}
