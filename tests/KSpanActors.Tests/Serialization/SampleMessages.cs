using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using KSpanActors.Watch;

namespace KSpanActors.Tests.Serialization;

/// <summary>
/// At least one sample of every concrete <see cref="IKSpanMessage"/>, every fact variant with every field set,
/// and nulls / empty arrays where allowed; strings are non-ASCII (accents, CJK, an astral-plane emoji).
/// </summary>
internal static class SampleMessages
{
    private const string Cluster = "prod-eu-ünïcødé";

    private static readonly ObjectRef Deployment = new("Deployment", "shop-日本語", "web-🚀");
    private static readonly ObjectRef ReplicaSet = new("ReplicaSet", "shop-日本語", "web-🚀-5d9c7b");
    private static readonly ObjectRef Pod = new("Pod", "shop-日本語", "web-🚀-5d9c7b-x2k9q");

    public static readonly ObjectObserved FullObject = new(
        Cluster, "uid-pod-Ω", "Pod", "shop-日本語", "web-🚀-5d9c7b-x2k9q",
        Generation: 3, CreatedNs: 1_700_000_000_123_456_789,
        Owners: [new OwnerRef("ReplicaSet", "web-🚀-5d9c7b", "uid-rs", Controller: true), new OwnerRef("Node", "nœud-1", "uid-node", Controller: false)],
        SpecManager: "kube-controller-manager", SpecOperation: "Update", SpecTimeNs: 1_700_000_001_000_000_001,
        ResourceVersion: long.MaxValue);

    public static readonly ObjectObserved SparseObject = new(
        Cluster, "uid-deploy", "Deployment", "shop-日本語", "web-🚀",
        Generation: 1, CreatedNs: -1, Owners: [], SpecManager: null, SpecOperation: null, SpecTimeNs: 0, ResourceVersion: 0);

    public static readonly EventObserved FullEvent = new(
        Cluster, "uid-event-é", Count: 42, TimeNs: 1_700_000_002_999_999_999, Reason: "BackOff",
        Message: "Back-off restarting failed container 🚀 «web» in pod 日本語", Warning: true,
        "Pod", "shop-日本語", "web-🚀-5d9c7b-x2k9q", ObjectUid: "uid-pod-Ω", FieldPath: "spec.containers{wéb}",
        Service: "kubelet", Instance: "nœud-1", TopLevelSpan: true, FirstNs: 1_700_000_000_000_000_001);

    public static readonly EventObserved SparseEvent = new(
        Cluster, "uid-event-flux", Count: 1, TimeNs: 0, Reason: "ReconciliationSucceeded", Message: "", Warning: false,
        "Kustomization", "flux-system", "apps", ObjectUid: null, FieldPath: null, Service: "kustomize-controller", Instance: null, TopLevelSpan: false);

    public static readonly ObjectDeleted Deleted = new(Cluster, "uid-pod-Ω", "Pod", "shop-日本語", "web-🚀-5d9c7b-x2k9q", long.MinValue);

    public static readonly IReadOnlyDictionary<string, IKSpanMessage> All = new Dictionary<string, IKSpanMessage>
    {
        ["Observe of an object with every field"] = new Observe(Cluster, "uid-pod-Ω", FullObject),
        ["Observe of an object with nulls and no owners"] = new Observe(Cluster, "uid-deploy", SparseObject),
        ["Observe of an event with every field"] = new Observe(Cluster, "uid-pod-Ω", FullEvent),
        ["Observe of an event with nulls"] = new Observe(Cluster, "~Kustomization/flux-system/apps", SparseEvent),
        ["Observe of a deletion"] = new Observe(Cluster, "uid-pod-Ω", Deleted),
        ["Propagate of an event along a path"] = new Propagate(Cluster, "uid-deploy", Deployment, FullEvent, ["uid-pod-Ω", "uid-rs", "ünï"]),
        ["Propagate of an object with an empty path"] = new Propagate(Cluster, "uid-rs", ReplicaSet, FullObject, []),
        ["Propagate of a sparse event"] = new Propagate(Cluster, "uid-rs", ReplicaSet, SparseEvent, ["uid-pod-Ω"]),
        ["Propagate of a deletion"] = new Propagate(Cluster, "uid-rs", ReplicaSet, Deleted, ["uid-pod-Ω"]),
        ["FactBatch of facts about the object and along paths"] = new FactBatch(Cluster, "uid-deploy", Deployment,
            [new CarriedFact(FullEvent, []), new CarriedFact(FullObject, ["uid-pod-Ω", "uid-rs"]), new CarriedFact(SparseEvent, ["ünï"]), new CarriedFact(Deleted, [])]),
        ["FactBatch without a target"] = new FactBatch(Cluster, "uid-pod-Ω", null, []),
        ["OwnerClaimed"] = new OwnerClaimed(Cluster, "uid-pod-Ω", "uid-rs", ReplicaSet),
        ["TopIs"] = new TopIs(Cluster, "uid-pod-Ω", "uid-deploy", Deployment),
        ["FinalizeObject"] = new FinalizeObject(Cluster + "/uid-pod-Ω"),
        ["EmitObject"] = new EmitObject(Cluster + "/uid-deploy"),
        ["NameObserved"] = new NameObserved(Cluster, Pod, "uid-pod-Ω", 1_700_000_000_123_456_789),
        ["ClaimName"] = new ClaimName(Cluster, Pod, "uid-rs", ReplicaSet),
        ["WhoOwns"] = new WhoOwns(Cluster, Pod, "uid-pod-Ω"),
        ["ObserveByName of an event with every field"] = new ObserveByName(Cluster, Pod, FullEvent),
        ["ObserveByName of an event with nulls"] = new ObserveByName(Cluster, new ObjectRef("Kustomization", "flux-system", "apps"), SparseEvent),
        ["FinalizeName"] = new FinalizeName(Cluster + "/#17"),
        ["StartWatching"] = new StartWatching(Cluster),
        ["StopWatching"] = new StopWatching("kind-ñ"),
        ["ObjectHandOff with every field"] = new ObjectHandOff(Cluster + "/uid-deploy", true, Deployment, [1UL, ulong.MaxValue, 0x8000_0000_0000_0001UL],
            FullObject, "uid-rs", ReplicaSet,
            [new CarriedFact(FullEvent, []), new CarriedFact(FullObject, ["uid-pod-Ω"]), new CarriedFact(Deleted, ["uid-pod-Ω", "ünï"]), new CarriedFact(SparseEvent, ["~"])]),
        ["ObjectHandOff with nulls"] = new ObjectHandOff(Cluster + "/uid-pod-Ω", false, null, [], null, null, null, []),
        ["FlowCredit"] = new FlowCredit(long.MaxValue),
        ["LedgerIds"] = new LedgerIds(Cluster, 494_000, [1L, -1L, long.MinValue, long.MaxValue, 0L]),
        ["LedgerIds without ids"] = new LedgerIds("kind-ñ", 0, []),
        ["LedgerSnapshotRequest"] = new LedgerSnapshotRequest(),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys) data.Add(name);
        return data;
    }

    /// <summary>Every non-abstract type of the KSpanActors assembly that implements <see cref="IKSpanMessage"/>.</summary>
    public static IReadOnlyList<Type> ConcreteMessageTypes() =>
        [.. typeof(IKSpanMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(IKSpanMessage).IsAssignableFrom(t))];

    /// <summary>The messages and, recursively, the facts, refs and owners they carry.</summary>
    public static IEnumerable<object> WithParts(object value)
    {
        yield return value;
        foreach (var p in Properties(value.GetType()))
        {
            var v = p.GetValue(value);
            if (v is IFact or ObjectRef or OwnerRef)
            {
                foreach (var part in WithParts(v)) yield return part;
            }
            else if (v is IEnumerable items and not string)
            {
                foreach (var item in items)
                {
                    if (item is OwnerRef) yield return item;
                }
            }
        }
    }

    /// <summary>Every property holds a non-default value: non-empty strings and arrays, true, non-zero, nested values likewise.</summary>
    public static bool EveryFieldSet(object value)
    {
        foreach (var p in Properties(value.GetType()))
        {
            var set = p.GetValue(value) switch
            {
                null => false,
                string s => s.Length > 0,
                bool b => b,
                long l => l != 0,
                int i => i != 0,
                object nested when nested is IFact or ObjectRef or OwnerRef => EveryFieldSet(nested),
                IEnumerable items => items.Cast<object>().Any(),
                _ => true,
            };
            if (!set) return false;
        }
        return true;
    }

    /// <summary>Every nullable property is null and every array is empty.</summary>
    public static bool EveryOptionalAbsent(object value)
    {
        var nullability = new NullabilityInfoContext();
        foreach (var p in Properties(value.GetType()))
        {
            var v = p.GetValue(value);
            if (nullability.Create(p).ReadState == NullabilityState.Nullable && v is not null) return false;
            if (v is IEnumerable items and not string && items.Cast<object>().Any()) return false;
        }
        return true;
    }

    public static bool HasOptionalParts(Type type)
    {
        var nullability = new NullabilityInfoContext();
        return Properties(type).Any(p =>
            nullability.Create(p).ReadState == NullabilityState.Nullable
            || (p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(ImmutableArray<>)));
    }

    /// <summary>
    /// Value equality that also compares arrays element by element (ImmutableArray equality is by reference):
    /// same runtime type and every public property equal, recursively. Null when equal, else the path that differs.
    /// </summary>
    public static string? Difference(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null) return expected is null && actual is null ? null : path;
        if (expected.GetType() != actual.GetType()) return $"{path} (type {expected.GetType().Name} vs {actual.GetType().Name})";
        if (expected is string or long or int or bool or ulong) return expected.Equals(actual) ? null : $"{path} ({expected} vs {actual})";
        if (expected is IEnumerable e && actual is IEnumerable a)
        {
            var left = e.Cast<object>().ToList();
            var right = a.Cast<object>().ToList();
            if (left.Count != right.Count) return $"{path} (length {left.Count} vs {right.Count})";
            for (var i = 0; i < left.Count; i++)
            {
                if (Difference(left[i], right[i], $"{path}[{i}]") is { } d) return d;
            }
            return null;
        }
        foreach (var p in Properties(expected.GetType()))
        {
            if (Difference(p.GetValue(expected), p.GetValue(actual), $"{path}.{p.Name}") is { } d) return d;
        }
        return null;
    }

    public static void AssertEqualByValue(object expected, object actual)
    {
        var difference = Difference(expected, actual);
        Assert.True(difference is null, $"{expected.GetType().Name} differs after the round trip at {difference}");
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract");
}
