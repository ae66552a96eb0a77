using System.Diagnostics;
using System.Reflection;

namespace KSpanActors.Tests.Export.Otlp;

/// <summary>
/// OtlpRequestBuilder exists because System.Diagnostics.Activity cannot take a given span id (PLATFORM_NOTES.md).
/// If this fails, a newer .NET lets Activity take one: revisit whether the OpenTelemetry SDK path can carry our
/// deterministic ids (the one-Resource-per-batch limit of OtlpTraceExporter would remain).
/// </summary>
public sealed class OtlpWorkaroundGuardTests
{
    [Fact]
    public void Activity_still_has_no_public_way_to_set_its_own_span_id()
    {
        var settable = typeof(Activity).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(ActivitySpanId) && p.SetMethod is { IsPublic: true })
            .Select(p => p.Name);
        Assert.Empty(settable);

        // Public methods taking an ActivitySpanId: today only SetParentId(traceId, parentSpanId, flags).
        var methods = typeof(Activity).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(ActivitySpanId)))
            .Select(m => m.Name)
            .Distinct();
        Assert.Equal(["SetParentId"], methods);

        var constructors = typeof(Activity).GetConstructors()
            .Where(c => c.GetParameters().Any(p => p.ParameterType == typeof(ActivitySpanId)));
        Assert.Empty(constructors);
    }
}
