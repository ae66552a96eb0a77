using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Export.Otlp;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Hostile;

/// <summary>
/// Property-style: real-shaped Events and objects, randomly mutated (fields deleted, wrong types, truncation, garbage,
/// huge strings, negative counts, depth bombs, edge times, shared uids, self-owners), go through the decoder and one
/// pipeline. The decoder and the pipeline never throw, every drain finishes within a bound, and a good story fed
/// afterwards still yields its exact tree. Seeds are fixed: a failure names its seed and iteration and reproduces.
/// </summary>
[Collection("akka-cluster")]
public sealed class MutationPropertyTests
{
    private static readonly int[] Seeds = [1, 7, 42, 99, 1234, 31337, 20240502, 65535];
    private const int IterationsPerSeed = 40;
    private const string FuzzCluster = "fuzz";

    private static readonly string[] SharedUids = ["dup00000-0000-4000-8000-000000000001", "dup00000-0000-4000-8000-000000000002", ""];

    private static readonly string[] Times =
    [
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:01Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-05:00", "1969-12-31T23:59:59Z",
        "2262-04-12T00:00:00Z", "2024-02-30T10:00:00Z", "yesterday", "", "2024-05-02T10:00:00.999999999Z", "2024-05-02T10:00:00+14:00",
    ];

    [Fact]
    public async Task Randomly_mutated_events_and_objects_never_make_the_decoder_or_the_pipeline_throw()
    {
        var log = new CapturingLogger();
        var exporter = new CapturingExporter();
        var decoded = 0;
        var rejected = 0;
        var eventsFed = 0;
        var shapeFailures = new List<string>();
        await using var runtime = await PipelineRuntime.StartAsync(new PipelineSettings(), [exporter], log);

        foreach (var seed in Seeds)
        {
            var random = new Random(seed);
            for (var iteration = 0; iteration < IterationsPerSeed; iteration++)
            {
                foreach (var (kind, apiVersion, template) in Story(seed, iteration))
                {
                    var bytes = random.NextDouble() < 0.75 ? Mutate(random, template) : Encoding.UTF8.GetBytes(template.ToJsonString());
                    var where = $"seed {seed} iteration {iteration} {kind}";
                    IFact? fact = null;
                    string? error = null;
                    var ok = false;
                    // JsonShape (what InputReader reads kind and apiVersion with) must not throw either; checked at the end.
                    JsonShape? shape = null;
                    var shapeThrown = Record.Exception(() => shape = JsonShape.Scan(bytes));
                    if (shapeThrown is not null) shapeFailures.Add($"{where}: {shapeThrown.GetType().Name}: {TextLine.Of(shapeThrown.Message)}");
                    var deleted = random.Next(20) == 0;
                    var thrown = Record.Exception(() =>
                    {
                        var doc = new SourceDocument(shape?.Kind ?? kind, shape?.ApiVersion ?? apiVersion, bytes, where, Deleted: deleted);
                        ok = KubeDecoder.TryDecode(FuzzCluster, doc, out fact, out error);
                    });
                    Assert.True(thrown is null, $"{where}: the decoder threw {thrown}\ninput: {Encoding.UTF8.GetString(bytes)}");
                    if (!ok)
                    {
                        Assert.False(string.IsNullOrWhiteSpace(error), $"{where}: rejected without a message");
                        Assert.DoesNotContain('\n', error);
                        rejected++;
                        continue;
                    }
                    decoded++;
                    if (fact is EventObserved) eventsFed++;
                    var fed = Record.Exception(() => runtime.Feed(fact!));
                    Assert.True(fed is null, $"{where}: Feed threw {fed}");
                }
            }
            await runtime.DrainAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.True(decoded > 100 && rejected > 100, $"decoded {decoded}, rejected {rejected}: the mutations should produce both");
        Assert.True(runtime.Metrics.SpansExported <= 2L * eventsFed, $"{runtime.Metrics.SpansExported} spans from {eventsFed} events");

        // Still alive: a good story fed afterwards comes out exactly.
        var good = ReplayLoader.Load(HostileHarness.Fixture("good-story.json"), "after-fuzz", log.CreateLogger("replay"));
        foreach (var f in good.Facts) runtime.Feed(f);
        await runtime.DrainAsync().WaitAsync(TimeSpan.FromSeconds(20));
        HostileHarness.AssertGoodStoryIntact(exporter.Spans, "after-fuzz");
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) || l.StartsWith("Critical:", StringComparison.Ordinal));
        Assert.True(shapeFailures.Count == 0, $"JsonShape.Scan threw on {shapeFailures.Count} inputs:\n{string.Join("\n", shapeFailures.Take(5))}");
    }

    /// <summary>A Deployment → ReplicaSet → Pod family with core/v1 and events.k8s.io/v1 Events; uids unique per (seed, iteration).</summary>
    internal static IEnumerable<(string Kind, string ApiVersion, JsonObject Json)> Story(int seed, int iteration)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"{seed:x8}-{iteration:x4}");
        string Uid(string what) => $"fz{id}-{what}";
        var ns = "fuzz" + (iteration % 3).ToString(CultureInfo.InvariantCulture);
        var dep = $"web{iteration % 5}";
        var rs = dep + "-5d8f";
        var pod = rs + "-x" + (iteration % 2).ToString(CultureInfo.InvariantCulture);
        yield return ("Deployment", "apps/v1", Obj("apps/v1", "Deployment", dep, ns, Uid("dep"), null, generation: 2, manager: "kubectl"));
        yield return ("ReplicaSet", "apps/v1", Obj("apps/v1", "ReplicaSet", rs, ns, Uid("rs"), ("Deployment", dep, Uid("dep"))));
        yield return ("Pod", "v1", Obj("v1", "Pod", pod, ns, Uid("pod"), ("ReplicaSet", rs, Uid("rs"))));
        yield return ("Event", "v1", CoreEvent(Uid("e1"), "Deployment", dep, ns, Uid("dep"), "ScalingReplicaSet", $"Scaled up replica set {rs} to 1", "deployment-controller"));
        yield return ("Event", "v1", CoreEvent(Uid("e2"), "ReplicaSet", rs, ns, Uid("rs"), "SuccessfulCreate", $"Created pod: {pod}", "replicaset-controller"));
        yield return ("Event", "v1", CoreEvent(Uid("e3"), "Pod", pod, ns, Uid("pod"), "Pulling", "Pulling image \"web:2\"", "kubelet"));
        yield return ("Event", "events.k8s.io/v1", EventsV1(Uid("e4"), "Pod", pod, ns, Uid("pod"), "BackOff", "Back-off restarting failed container"));
    }

    private static JsonObject Obj(string api, string kind, string name, string ns, string uid, (string Kind, string Name, string Uid)? owner, int generation = 1, string? manager = null)
    {
        var meta = new JsonObject
        {
            ["name"] = name, ["namespace"] = ns, ["uid"] = uid, ["creationTimestamp"] = "2024-05-02T10:00:00Z",
            ["resourceVersion"] = "1234", ["generation"] = generation, ["labels"] = new JsonObject { ["app"] = "web" },
        };
        if (owner is { } o)
        {
            meta["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true });
        }
        if (manager is not null)
        {
            meta["managedFields"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = api, ["fieldsType"] = "FieldsV1", ["manager"] = manager, ["operation"] = "Update", ["time"] = "2024-05-02T10:00:00Z",
                ["fieldsV1"] = new JsonObject { ["f:spec"] = new JsonObject { ["f:replicas"] = new JsonObject() } },
            });
        }
        return new JsonObject
        {
            ["apiVersion"] = api, ["kind"] = kind, ["metadata"] = meta,
            ["spec"] = new JsonObject { ["replicas"] = 2, ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "web:2" }) } } },
            ["status"] = new JsonObject { ["replicas"] = 1, ["phase"] = "Running" },
        };
    }

    private static JsonObject CoreEvent(string uid, string kind, string name, string ns, string objectUid, string reason, string message, string component) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = name + ".17c", ["namespace"] = ns, ["uid"] = uid, ["creationTimestamp"] = "2024-05-02T10:00:01Z", ["resourceVersion"] = "77" },
        ["involvedObject"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["name"] = name, ["namespace"] = ns, ["uid"] = objectUid, ["fieldPath"] = "spec.containers{app}" },
        ["reason"] = reason, ["message"] = message, ["source"] = new JsonObject { ["component"] = component, ["host"] = "node-1" },
        ["firstTimestamp"] = "2024-05-02T10:00:01Z", ["lastTimestamp"] = "2024-05-02T10:00:02Z", ["count"] = 2, ["type"] = "Normal",
        ["eventTime"] = null, ["reportingComponent"] = "", ["reportingInstance"] = "",
    };

    private static JsonObject EventsV1(string uid, string kind, string name, string ns, string objectUid, string reason, string note) => new()
    {
        ["apiVersion"] = "events.k8s.io/v1", ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = name + ".18d", ["namespace"] = ns, ["uid"] = uid, ["creationTimestamp"] = "2024-05-02T10:00:03Z" },
        ["eventTime"] = "2024-05-02T10:00:03.123456Z",
        ["series"] = new JsonObject { ["count"] = 5, ["lastObservedTime"] = "2024-05-02T10:00:09.000000Z" },
        ["regarding"] = new JsonObject { ["kind"] = kind, ["name"] = name, ["namespace"] = ns, ["uid"] = objectUid },
        ["reason"] = reason, ["note"] = note, ["type"] = "Warning", ["action"] = "Restart",
        ["reportingController"] = "kubelet", ["reportingInstance"] = "node-1",
    };

    /// <summary>One to three mutations; structural ones on the tree, then maybe byte-level ones on the encoding.</summary>
    internal static byte[] Mutate(Random random, JsonObject template)
    {
        var doc = template.DeepClone().AsObject();
        string? bomb = null;
        var mutations = random.Next(1, 4);
        var byteLevel = new List<int>();
        for (var m = 0; m < mutations; m++)
        {
            var which = random.Next(10);
            if (which >= 8)
            {
                byteLevel.Add(which);
                continue;
            }
            var slots = JsonSlots.Of(doc);
            var (parent, key, index) = slots[random.Next(slots.Count)];
            switch (which)
            {
                case 0: // delete a field (or an array element)
                    if (key is not null) ((JsonObject)parent).Remove(key);
                    else ((JsonArray)parent).RemoveAt(index);
                    break;
                case 1: // a value of the wrong type
                    JsonSlots.Set(parent, key, index, WrongType(random));
                    break;
                case 2: // a huge string
                    JsonSlots.Set(parent, key, index, new string((char)random.Next('a', 'z' + 1), random.Next(10_000, 200_000)));
                    break;
                case 3: // negative or overflowing counts
                    var counts = new JsonNode?[] { -1, -1000, 0, int.MaxValue, long.MaxValue, -9.5e300, "3" };
                    var value = counts[random.Next(counts.Length)];
                    if (doc["count"] is not null || random.Next(2) == 0) doc["count"] = value?.DeepClone();
                    if (doc["series"] is JsonObject series) series["count"] = value?.DeepClone();
                    if (doc["metadata"] is JsonObject meta) meta["generation"] = counts[random.Next(counts.Length)]?.DeepClone();
                    break;
                case 4: // a depth bomb (placeholder replaced after encoding)
                    bomb ??= DepthBomb(random);
                    JsonSlots.Set(parent, key, index, "__DEPTH_BOMB__");
                    break;
                case 5: // an edge time in a time field
                    var time = Times[random.Next(Times.Length)];
                    foreach (var field in new[] { "lastTimestamp", "firstTimestamp", "eventTime" })
                    {
                        if (random.Next(2) == 0) doc[field] = time;
                    }
                    if (doc["metadata"] is JsonObject m2 && random.Next(2) == 0) m2["creationTimestamp"] = time;
                    if (doc["series"] is JsonObject s2) s2["lastObservedTime"] = time;
                    break;
                case 6: // shared uids: duplicates, collisions between objects and events, empty uids
                    var uid = SharedUids[random.Next(SharedUids.Length)];
                    if (doc["metadata"] is JsonObject m3) m3["uid"] = uid;
                    if ((doc["involvedObject"] ?? doc["regarding"]) is JsonObject inv && random.Next(2) == 0) inv["uid"] = uid;
                    break;
                case 7: // owner references: to itself, to a shared uid, several controllers, null entries
                    if (doc["metadata"] is JsonObject m4)
                    {
                        var self = m4["uid"]?.DeepClone();
                        m4["ownerReferences"] = new JsonArray(
                            new JsonObject { ["kind"] = "Deployment", ["name"] = "loop", ["uid"] = random.Next(2) == 0 ? self : SharedUids[random.Next(SharedUids.Length)], ["controller"] = true },
                            null,
                            new JsonObject { ["kind"] = "ReplicaSet", ["uid"] = SharedUids[0], ["controller"] = true });
                    }
                    break;
            }
        }

        var text = doc.ToJsonString();
        if (bomb is not null) text = text.Replace("\"__DEPTH_BOMB__\"", bomb, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var b in byteLevel)
        {
            if (b == 8 && bytes.Length > 0)
            {
                bytes = bytes[..random.Next(bytes.Length)]; // truncate
            }
            else
            {
                var garbage = new byte[random.Next(1, 16)];
                random.NextBytes(garbage);
                var at = random.Next(bytes.Length + 1);
                bytes = [.. bytes[..at], .. garbage, .. bytes[at..]];
            }
        }
        return bytes;
    }

    private static JsonNode? WrongType(Random random) => random.Next(8) switch
    {
        0 => 42,
        1 => -7.25,
        2 => true,
        3 => null,
        4 => new JsonArray(1, "two", null),
        5 => new JsonObject { ["unexpected"] = "object" },
        6 => "a string where something else belongs",
        _ => "0001-01-01T00:00:00Z",
    };

    private static string DepthBomb(Random random)
    {
        var depth = random.Next(10, 300);
        var open = random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        return string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
    }
}
