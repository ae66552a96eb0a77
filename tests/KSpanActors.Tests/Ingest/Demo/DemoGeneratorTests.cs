using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KSpanActors.Ingest.Demo;

namespace KSpanActors.Tests.Ingest.Demo;

public class DemoGeneratorTests
{
    private static readonly DemoScenario Default = new();

    private static T Read<T>(DemoItem item) => KubernetesJson.Deserialize<T>(Encoding.UTF8.GetString(item.Document.Json.Span));

    private static DateTime At(DemoItem item) => DateTime.UnixEpoch.AddTicks(item.TimeNs / 100);

    [Fact]
    public void Documents_list_their_members_in_the_API_servers_order()
    {
        // kind, apiVersion, metadata first; in metadata name, namespace and uid before resourceVersion, and the rest after.
        foreach (var kind in new[] { "Event", "Pod", "ReplicaSet", "Deployment" })
        {
            var item = DemoGenerator.Generate(Default).First(i => i.Document.Kind == kind);
            using var doc = JsonDocument.Parse(item.Document.Json);
            Assert.Equal(["kind", "apiVersion", "metadata"], doc.RootElement.EnumerateObject().Take(3).Select(p => p.Name));
            var meta = doc.RootElement.GetProperty("metadata").EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(meta.IndexOf("name") < meta.IndexOf("uid") && meta.IndexOf("uid") < meta.IndexOf("resourceVersion"), kind + ": " + string.Join(",", meta));
            Assert.All(meta.Skip(meta.IndexOf("resourceVersion") + 1), m => Assert.NotEqual("name", m));
            if (meta.Contains("managedFields")) Assert.Equal("managedFields", meta[^1]);
        }
    }

    [Fact]
    public void Every_event_deserializes_as_a_core_v1_event_with_source_uid_and_times()
    {
        var events = DemoGenerator.Generate(Default).Where(i => i.IsEvent).ToList();
        Assert.NotEmpty(events);
        foreach (var item in events)
        {
            Assert.Equal("v1", item.Document.ApiVersion);
            var ev = Read<Corev1Event>(item);
            Assert.Equal("Event", ev.Kind);
            Assert.True(Guid.TryParse(ev.Metadata.Uid, out _));
            Assert.StartsWith(ev.InvolvedObject.Name + ".", ev.Metadata.Name);
            Assert.False(string.IsNullOrEmpty(ev.InvolvedObject.Uid));
            Assert.False(string.IsNullOrEmpty(ev.Source.Component));
            Assert.Equal(ev.Source.Component, ev.ReportingComponent);
            Assert.Equal(At(item), ev.LastTimestamp);
            Assert.True(ev.FirstTimestamp <= ev.LastTimestamp);
            Assert.NotNull(ev.Metadata.CreationTimestamp);
            Assert.True(ev.Count >= 1);
            Assert.Equal(ev.Reason is "BackOff" or "Unhealthy" ? "Warning" : "Normal", ev.Type);
            if (ev.Count == 1) Assert.Equal(ev.FirstTimestamp, ev.LastTimestamp);
            if (ev.Source.Component == "kubelet")
            {
                Assert.Equal("spec.containers{app}", ev.InvolvedObject.FieldPath);
                Assert.False(string.IsNullOrEmpty(ev.Source.Host));
            }
        }
    }

    [Fact]
    public void Events_carry_the_reasons_components_and_messages_of_a_real_cluster()
    {
        var events = DemoGenerator.Generate(Default).Where(i => i.IsEvent).Select(Read<Corev1Event>).ToList();
        bool Has(string component, string kind, string reason, string messageStart) =>
            events.Any(e => e.Source.Component == component && e.InvolvedObject.Kind == kind && e.Reason == reason && e.Message.StartsWith(messageStart, StringComparison.Ordinal));

        Assert.True(Has("deployment-controller", "Deployment", "ScalingReplicaSet", "Scaled up replica set app-1-"));
        Assert.True(Has("deployment-controller", "Deployment", "ScalingReplicaSet", "Scaled down replica set app-1-"));
        Assert.True(Has("replicaset-controller", "ReplicaSet", "SuccessfulCreate", "Created pod: app-1-"));
        Assert.True(Has("replicaset-controller", "ReplicaSet", "SuccessfulDelete", "Deleted pod: app-1-"));
        Assert.True(Has("default-scheduler", "Pod", "Scheduled", "Successfully assigned team-1/app-1-"));
        Assert.True(Has("kubelet", "Pod", "Pulling", "Pulling image \"registry.example.com/"));
        Assert.True(Has("kubelet", "Pod", "Pulled", "Successfully pulled image \"registry.example.com/"));
        Assert.True(Has("kubelet", "Pod", "Created", "Created container app"));
        Assert.True(Has("kubelet", "Pod", "Started", "Started container app"));
        Assert.True(Has("kubelet", "Pod", "Killing", "Stopping container app"));
        Assert.True(Has("statefulset-controller", "StatefulSet", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"));
        Assert.True(Has("statefulset-controller", "StatefulSet", "SuccessfulDelete", "delete Pod web-0 in StatefulSet web successful"));
        Assert.True(Has("kubelet", "Pod", "BackOff", "Back-off restarting failed container app in pod app-crashloop-"));
    }

    [Fact]
    public void Pulled_comes_one_to_eight_seconds_after_pulling_of_the_same_pod()
    {
        var events = DemoGenerator.Generate(Default).Where(i => i.IsEvent).Select(Read<Corev1Event>).ToList();
        var pulls = events.Where(e => e.Reason == "Pulled").ToList();
        Assert.NotEmpty(pulls);
        foreach (var pulled in pulls)
        {
            var pulling = events.Single(e => e.Reason == "Pulling" && e.InvolvedObject.Uid == pulled.InvolvedObject.Uid);
            var seconds = (pulled.LastTimestamp!.Value - pulling.LastTimestamp!.Value).TotalSeconds;
            Assert.InRange(seconds, 1, 8);
        }
    }

    [Fact]
    public void Deployments_carry_a_kubectl_spec_entry_at_the_rollout_start_and_a_controller_status_entry()
    {
        var deployments = DemoGenerator.Generate(Default).Where(i => i.Document.Kind == "Deployment").ToList();
        Assert.NotEmpty(deployments);
        var generationsSeen = new HashSet<(string, long)>();
        foreach (var item in deployments)
        {
            Assert.Equal("apps/v1", item.Document.ApiVersion);
            var d = Read<V1Deployment>(item);
            Assert.Equal("Deployment", d.Kind);
            Assert.Null(d.Metadata.OwnerReferences);
            var kubectl = Assert.Single(d.Metadata.ManagedFields, m => m.Manager == "kubectl-client-side-apply");
            Assert.Equal("Update", kubectl.Operation);
            Assert.True(((JsonElement)kubectl.FieldsV1).TryGetProperty("f:spec", out _));
            var controller = Assert.Single(d.Metadata.ManagedFields, m => m.Manager == "kube-controller-manager");
            var controllerFields = ((JsonElement)controller.FieldsV1).EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["f:status"], controllerFields);
            if (generationsSeen.Add((d.Metadata.Uid, d.Metadata.Generation!.Value)))
                Assert.Equal(At(item), kubectl.Time); // the first snapshot of a generation is its rollout start
        }

        Assert.Contains(generationsSeen, g => g.Item2 == 2);
    }

    [Fact]
    public void Replica_sets_and_pods_point_to_their_controller_and_events_to_known_objects()
    {
        var items = DemoGenerator.Generate(Default).ToList();
        var uids = new Dictionary<string, (string Kind, string Name)>();
        foreach (var item in items.Where(i => !i.IsEvent))
        {
            var meta = item.Document.Kind switch
            {
                "Deployment" => Read<V1Deployment>(item).Metadata,
                "StatefulSet" => Read<V1StatefulSet>(item).Metadata,
                "ReplicaSet" => Read<V1ReplicaSet>(item).Metadata,
                "Pod" => Read<V1Pod>(item).Metadata,
                var k => throw new InvalidOperationException(k),
            };
            uids[meta.Uid] = (item.Document.Kind, meta.Name);
        }

        foreach (var item in items.Where(i => i.Document.Kind is "ReplicaSet" or "Pod"))
        {
            var meta = item.Document.Kind == "Pod" ? Read<V1Pod>(item).Metadata : Read<V1ReplicaSet>(item).Metadata;
            var owner = Assert.Single(meta.OwnerReferences);
            Assert.True(owner.Controller);
            Assert.Equal((owner.Kind, owner.Name), uids[owner.Uid]);
            if (item.Document.Kind == "Pod" && !item.Document.Deleted && Read<V1Pod>(item).Status.Phase == "Pending")
                Assert.Equal(At(item), meta.CreationTimestamp);
        }

        foreach (var ev in items.Where(i => i.IsEvent).Select(Read<Corev1Event>))
            Assert.Equal((ev.InvolvedObject.Kind, ev.InvolvedObject.Name), uids[ev.InvolvedObject.Uid]);
    }

    [Fact]
    public void Documents_come_out_in_non_decreasing_time_order()
    {
        var s = new DemoScenario(Clusters: 3, DeploymentsPerCluster: 20, Replicas: 3, Rollouts: 2, ProbeFailuresPerPod: 2);
        var previous = long.MinValue;
        var count = 0;
        foreach (var item in DemoGenerator.Generate(s))
        {
            Assert.True(item.TimeNs >= previous, $"item {count} at {item.TimeNs} after {previous}");
            Assert.Equal(0, item.TimeNs % 1_000_000_000);
            previous = item.TimeNs;
            count++;
        }

        Assert.True(count > 1000);
    }

    [Fact]
    public void The_crash_loop_is_one_back_off_event_uid_with_counts_one_to_n_at_growing_times()
    {
        var backOffs = DemoGenerator.Generate(Default with { CrashLoopBackOffs = 7 })
            .Where(i => i.IsEvent).Select(Read<Corev1Event>).Where(e => e.Reason == "BackOff").ToList();
        Assert.Single(backOffs.Select(e => e.Metadata.Uid).Distinct());
        Assert.Single(backOffs.Select(e => e.Metadata.Name).Distinct());
        Assert.Equal(Enumerable.Range(1, 7), backOffs.Select(e => e.Count!.Value));
        Assert.All(backOffs, e => Assert.Equal(backOffs[0].LastTimestamp, e.FirstTimestamp));
        Assert.True(backOffs.Zip(backOffs.Skip(1)).All(p => p.First.LastTimestamp < p.Second.LastTimestamp));
        Assert.All(backOffs, e => Assert.Equal("Warning", e.Type));
    }

    [Fact]
    public void The_stateful_set_pod_web_0_is_created_twice_under_two_uids()
    {
        var items = DemoGenerator.Generate(Default).ToList();
        var events = items.Where(i => i.IsEvent).Select(Read<Corev1Event>).ToList();
        var creates = events.Where(e => e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "StatefulSet").ToList();
        Assert.Equal(2, creates.Count);
        Assert.Equal([1, 2], creates.Select(e => e.Count!.Value)); // the event recorder aggregates the identical message
        var deletes = events.Where(e => e.Reason == "SuccessfulDelete" && e.InvolvedObject.Kind == "StatefulSet").ToList();
        Assert.Single(deletes);
        Assert.InRange(deletes[0].LastTimestamp!.Value, creates[0].LastTimestamp!.Value, creates[1].LastTimestamp!.Value);

        var webPods = items.Where(i => i.Document.Kind == "Pod").Select(Read<V1Pod>).Where(p => p.Metadata.Name == "web-0").ToList();
        var webUids = webPods.Select(p => p.Metadata.Uid).Distinct().ToList();
        Assert.Equal(2, webUids.Count);
        Assert.All(webPods, p => Assert.Equal("StatefulSet", p.Metadata.OwnerReferences.Single().Kind));
        Assert.Equal(2, events.Where(e => e.Reason == "Scheduled" && e.InvolvedObject.Name == "web-0").Select(e => e.InvolvedObject.Uid).Distinct().Count());
        var killing = Assert.Single(events, e => e.Reason == "Killing" && e.InvolvedObject.Name == "web-0");
        Assert.Equal(webUids[0], killing.InvolvedObject.Uid);
        Assert.Contains(items, i => i.Document.Kind == "Pod" && i.Document.Deleted && Read<V1Pod>(i).Metadata.Uid == webUids[0]);
    }

    [Fact]
    public void The_same_scenario_and_seed_give_byte_identical_output()
    {
        static string Hash(DemoScenario s)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var item in DemoGenerator.Generate(s))
            {
                sha.AppendData(Encoding.UTF8.GetBytes($"{item.Cluster}|{item.TimeNs}|{item.Document.Kind}|{item.Document.Deleted}|"));
                sha.AppendData(item.Document.Json.Span);
            }

            return Convert.ToHexString(sha.GetHashAndReset());
        }

        var s = new DemoScenario(Clusters: 2, DeploymentsPerCluster: 5, Seed: 42);
        Assert.Equal(Hash(s), Hash(s));
        Assert.NotEqual(Hash(s), Hash(s with { Seed = 43 }));
    }

    [Theory]
    [InlineData(1, 2, 2, 1, 0, true, true)]
    [InlineData(2, 7, 3, 2, 2, true, false)]
    [InlineData(1, 3, 1, 0, 0, false, true)]
    [InlineData(3, 0, 1, 0, 0, true, true)]
    public void Estimated_events_and_objects_match_the_generated_stream(int clusters, int deployments, int replicas, int rollouts, int probes, bool crash, bool sts)
    {
        var s = new DemoScenario(clusters, deployments, replicas, crash, sts, rollouts, ProbeFailuresPerPod: probes);
        var items = DemoGenerator.Generate(s).ToList();
        Assert.Equal(s.EstimatedEvents, items.Count(i => i.IsEvent));
        var objectUids = items.Where(i => !i.IsEvent).Select(i => (i.Cluster, JsonDocument.Parse(i.Document.Json).RootElement.GetProperty("metadata").GetProperty("uid").GetString())).Distinct().Count();
        Assert.Equal(s.EstimatedObjects, objectUids);
    }

    [Fact]
    public void For_scale_of_a_hundred_thousand_events_generates_them_within_ten_percent()
    {
        var s = DemoScenario.ForScale(100_000, 10_000);
        long events = 0;
        var objects = new HashSet<string>();
        foreach (var item in DemoGenerator.Generate(s))
        {
            if (item.IsEvent)
            {
                events++;
                continue;
            }

            using var doc = JsonDocument.Parse(item.Document.Json);
            objects.Add(doc.RootElement.GetProperty("metadata").GetProperty("uid").GetString()!);
        }

        Assert.InRange(events, 90_000, 110_000);
        Assert.InRange(objects.Count, 9_000, 11_000);
    }

    [Theory]
    [InlineData(1_000_000, 100_000)]
    [InlineData(50_000, 10_000)]
    [InlineData(300_000, 10_000)]
    [InlineData(2_000, 100)]
    public void For_scale_estimates_are_within_ten_percent(long events, long objects)
    {
        var s = DemoScenario.ForScale(events, objects);
        Assert.InRange(s.EstimatedEvents, events * 0.9, events * 1.1);
        Assert.InRange(s.EstimatedObjects, objects * 0.9, objects * 1.1);
    }

    [Fact]
    public void A_million_event_scenario_starts_streaming_at_once()
    {
        // Lazy: the first documents come from the first stories only, without writing the other thousands.
        var first = DemoGenerator.Generate(DemoScenario.ForScale(1_000_000, 100_000)).Take(2_000).ToList();
        Assert.Equal(2_000, first.Count);
        Assert.True(first[^1].TimeNs - first[0].TimeNs < TimeSpan.FromHours(1).Ticks * 100);
    }
}
