using System.Reflection;
using Google.Protobuf;
using KSpanActors.Model;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Otlp.Proto.Common;
using KSpanActors.Otlp.Proto.Resource;
using KSpanActors.Otlp.Proto.Trace;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Builds one OTLP <see cref="ExportTraceServiceRequest"/> from a batch of finished spans.
/// </summary>
/// <remarks>
/// Why we build requests ourselves instead of using OpenTelemetry's <c>OtlpTraceExporter</c>
/// (see PLATFORM_NOTES.md, "OTLP and span ids"):
/// <list type="bullet">
/// <item>that exporter serializes a whole batch under one Resource (its provider's), while our spans carry
/// many resources (kubelet, scheduler, controllers... each its own <c>service.name</c>); one OTLP request can
/// carry many <c>ResourceSpans</c>, so we group by <see cref="SpanResource"/> and send one request;</item>
/// <item><see cref="System.Diagnostics.Activity"/> cannot take a given span id (only trace id and parent span
/// id), and our span ids are deterministic (cluster, event uid, count), so spans cannot go through Activity
/// without reflection on private fields.</item>
/// </list>
/// A guard test (<c>OtlpWorkaroundGuardTests</c>) fails when a future .NET lets Activity take a span id,
/// telling us to revisit this.
/// </remarks>
internal static class OtlpRequestBuilder
{
    public const string ScopeName = "kspan-actors";

    /// <summary>The assembly's informational version (without the source-revision suffix), or empty.</summary>
    public static readonly string ScopeVersion = ReadScopeVersion();

    public static ExportTraceServiceRequest Build(IReadOnlyList<TraceSpans> batch)
    {
        var request = new ExportTraceServiceRequest();
        foreach (var (resource, spans) in ResourceGroups.Of(batch))
        {
            var scopeSpans = new ScopeSpans { Scope = new InstrumentationScope { Name = ScopeName, Version = ScopeVersion } };
            foreach (var span in spans) scopeSpans.Spans.Add(ToSpan(span));
            var resourceSpans = new ResourceSpans { Resource = ToResource(resource) };
            resourceSpans.ScopeSpans.Add(scopeSpans);
            request.ResourceSpans.Add(resourceSpans);
        }
        return request;
    }

    /// <summary>The resource attributes of a span resource, in the order every exporter writes them.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ResourceAttributes(SpanResource resource)
    {
        yield return new("service.name", resource.ServiceName);
        if (resource.ServiceInstanceId is not null) yield return new("service.instance.id", resource.ServiceInstanceId);
        yield return new("k8s.cluster.name", resource.ClusterName);
        if (resource.ClusterUid is not null) yield return new("k8s.cluster.uid", resource.ClusterUid);
    }

    /// <summary>Unix nanoseconds as OTLP's fixed64; a negative time (never expected) becomes 0.</summary>
    public static ulong Nanos(long ns) => ns < 0 ? 0UL : (ulong)ns;

    private static Resource ToResource(SpanResource resource)
    {
        var result = new Resource();
        foreach (var (key, value) in ResourceAttributes(resource))
        {
            result.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }
        return result;
    }

    private static Span ToSpan(SpanRecord record)
    {
        Span<byte> buffer = stackalloc byte[16];
        record.TraceId.WriteBytes(buffer);
        var traceId = ByteString.CopyFrom(buffer);
        record.SpanId.WriteBytes(buffer[..8]);
        var spanId = ByteString.CopyFrom(buffer[..8]);
        var parentSpanId = ByteString.Empty;
        if (!record.ParentSpanId.IsNone)
        {
            record.ParentSpanId.WriteBytes(buffer[..8]);
            parentSpanId = ByteString.CopyFrom(buffer[..8]);
        }

        var span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentSpanId,
            Name = record.Name,
            Kind = Span.Types.SpanKind.Internal,
            StartTimeUnixNano = Nanos(record.StartNs),
            EndTimeUnixNano = Nanos(record.EndNs),
        };
        if (!record.Attributes.IsDefaultOrEmpty)
        {
            foreach (var a in record.Attributes)
            {
                var value = a.IsString ? new AnyValue { StringValue = a.StringValue } : new AnyValue { IntValue = a.IntValue };
                span.Attributes.Add(new KeyValue { Key = a.Key, Value = value });
            }
        }
        switch (record.Status)
        {
            case SpanStatus.Error:
                span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = record.StatusMessage ?? string.Empty };
                break;
            case SpanStatus.Ok:
                span.Status = new Status { Code = Status.Types.StatusCode.Ok };
                break;
        }
        return span;
    }

    private static string ReadScopeVersion()
    {
        var version = typeof(OtlpRequestBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version)) return string.Empty;
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
