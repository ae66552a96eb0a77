using System.Collections.Immutable;
using System.Globalization;
using KSpanActors.Model;

namespace KSpanActors.Tests.Support;

/// <summary>Terse builders for hand-written facts (times are "HH:mm:ss" on 2024-03-01, UTC).</summary>
internal static class F
{
    public const string Cluster = "test";

    public static long T(string hms) =>
        (DateTimeOffset.Parse("2024-03-01T" + hms + "Z", CultureInfo.InvariantCulture) - DateTimeOffset.UnixEpoch).Ticks * 100;

    public static ObjectObserved Obj(string uid, string kind, string name, string created, OwnerRef? owner = null,
        long generation = 1, string? manager = null, string? specTime = null, string ns = "default", long rv = 1, string? operation = "Update") =>
        new(Cluster, uid, kind, ns, name, generation, T(created),
            owner is { } o ? [o] : ImmutableArray<OwnerRef>.Empty,
            manager, manager is null ? null : operation, specTime is null ? 0 : T(specTime), rv);

    public static OwnerRef Owner(string kind, string name, string uid) => new(kind, name, uid, true);

    public static EventObserved Ev(string eventUid, string kind, string name, string? objectUid, string reason, string message,
        string time, string service, long count = 1, bool warning = false, string? fieldPath = null, string ns = "default", bool topLevel = false,
        string? first = null) =>
        new(Cluster, eventUid, count, T(time), reason, message, warning, kind, ns, name, objectUid, fieldPath, service, null, topLevel,
            first is null ? 0 : T(first));
}
