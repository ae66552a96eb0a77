using KSpanActors.Ingest;
using KSpanActors.Model;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

public class KubeDecoderObjectTests
{
    [Fact]
    public void The_spec_manager_is_the_latest_entry_touching_spec_and_the_later_entry_on_a_tie()
    {
        var rs = Decode<ObjectObserved>(Capture()[1]);
        Assert.Equal("second-manager", rs.SpecManager);
        Assert.Equal("Apply", rs.SpecOperation);
        Assert.Equal(Nanos("2024-03-01T10:00:05Z"), rs.SpecTimeNs);
    }

    [Fact]
    public void A_later_entry_with_an_earlier_time_does_not_win()
    {
        var o = Decode<ObjectObserved>(Doc("Deployment", """
            {"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z","managedFields":[
              {"manager":"late","operation":"Update","time":"2024-01-01T00:00:09Z","fieldsV1":{"f:spec":{}}},
              {"manager":"early","operation":"Update","time":"2024-01-01T00:00:03Z","fieldsV1":{"f:spec":{}}},
              {"manager":"nested","operation":"Update","time":"2024-01-01T00:00:10Z","fieldsV1":{"f:status":{"f:spec":{}}}}]}}
            """, apiVersion: "apps/v1"));
        Assert.Equal("late", o.SpecManager);
    }

    [Fact]
    public void Without_an_entry_touching_spec_the_spec_manager_is_null_and_its_time_zero()
    {
        var pod = Decode<ObjectObserved>(Capture()[2]);
        Assert.Null(pod.SpecManager);
        Assert.Null(pod.SpecOperation);
        Assert.Equal(0, pod.SpecTimeNs);
    }

    [Fact]
    public void A_replica_set_reads_generation_owners_creation_and_resource_version()
    {
        var rs = Decode<ObjectObserved>(Capture()[1]);
        Assert.Equal(
            (Cluster, "rs-uid-1", "ReplicaSet", "shop", "web-6f7d", 2L, 1010L),
            (rs.Cluster, rs.Uid, rs.Kind, rs.Namespace, rs.Name, rs.Generation, rs.ResourceVersion));
        Assert.Equal(Nanos("2024-03-01T10:00:00Z"), rs.CreatedNs);
        Assert.Equal(new OwnerRef("Deployment", "web", "dep-uid-1", Controller: true), Assert.Single(rs.Owners));
    }

    [Fact]
    public void A_pod_without_generation_has_generation_one_and_an_owner_that_is_not_marked_controller()
    {
        var pod = Decode<ObjectObserved>(Capture()[2]);
        Assert.Equal(1, pod.Generation);
        Assert.Equal(new OwnerRef("ReplicaSet", "web-6f7d", "rs-uid-1", Controller: false), Assert.Single(pod.Owners));
        Assert.Equal(Nanos("2024-03-01T10:00:01Z"), pod.CreatedNs);
    }

    [Fact]
    public void A_cluster_scoped_object_has_an_empty_namespace_and_no_owners()
    {
        var node = Decode<ObjectObserved>(Doc("Node", """{"metadata":{"name":"n","uid":"u","resourceVersion":"abc"}}"""));
        Assert.Equal("", node.Namespace);
        Assert.True(node.Owners.IsEmpty);
        Assert.Equal(0, node.ResourceVersion);
        Assert.Equal(0, node.CreatedNs);
    }

    [Fact]
    public void An_unknown_kind_is_just_an_object()
    {
        var o = Decode<ObjectObserved>(Doc("Kustomization", """
            {"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"apps","namespace":"flux-system","uid":"k-uid","generation":7},
             "spec":{"interval":"5m","path":"./apps"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}
            """, apiVersion: "kustomize.toolkit.fluxcd.io/v1"));
        Assert.Equal(("Kustomization", "flux-system", "apps", 7L), (o.Kind, o.Namespace, o.Name, o.Generation));
    }

    [Fact]
    public void A_deleted_document_is_an_object_deleted_at_its_deletion_timestamp()
    {
        var deleted = Decode<ObjectDeleted>(Capture()[4]);
        Assert.Equal(
            new ObjectDeleted(Cluster, "pod-uid-1", "Pod", "shop", "web-6f7d-abcde", Nanos("2024-03-01T10:00:30Z")),
            deleted);
    }

    [Fact]
    public void A_deletion_without_deletion_timestamp_happens_at_the_latest_managed_fields_time_else_at_creation()
    {
        var withFields = Decode<ObjectDeleted>(Doc("Pod", """
            {"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z","managedFields":[
              {"manager":"a","time":"2024-01-01T00:00:07Z"},{"manager":"b","time":"2024-01-01T00:00:04Z"}]}}
            """, deleted: true));
        Assert.Equal(Nanos("2024-01-01T00:00:07Z"), withFields.TimeNs);

        var bare = Decode<ObjectDeleted>(Doc("Pod", """{"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z"}}""", deleted: true));
        Assert.Equal(Nanos("2024-01-01T00:00:00Z"), bare.TimeNs);
    }

    [Fact]
    public void An_object_without_uid_is_an_error()
    {
        Assert.Contains("without metadata.uid", Error(Doc("Pod", """{"metadata":{"name":"p","namespace":"ns"}}""")), StringComparison.Ordinal);
        Assert.Contains("without metadata.uid", Error(Doc("Pod", """{"spec":{}}""")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Pod", """{"metadata":{"uid":"u",""")]
    [InlineData("Pod", """{"metadata":{"uid":"u","generation":"two"}}""")]
    [InlineData("Pod", """[1,2]""")]
    [InlineData("Pod", "null")]
    [InlineData("Pod", "")]
    [InlineData("Event", """{"metadata":{"uid":"u"},"count":"many"}""")]
    [InlineData("Event", """{"metadata":{"uid":"u"},"lastTimestamp":"yesterday"}""")]
    public void Malformed_documents_are_errors_on_one_line_never_exceptions(string kind, string json)
    {
        var error = Error(Doc(kind, json));
        Assert.DoesNotContain('\n', error);
        Assert.NotEqual("", error);
    }

    [Fact]
    public void Unix_nanoseconds_treat_unspecified_times_as_utc()
    {
        Assert.Equal(0, KubeDecoder.ToUnixNanos(DateTime.UnixEpoch));
        var unspecified = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Unspecified).AddTicks(1);
        var utc = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1);
        Assert.Equal(1_709_287_200_000_000_100, KubeDecoder.ToUnixNanos(utc));
        Assert.Equal(KubeDecoder.ToUnixNanos(utc), KubeDecoder.ToUnixNanos(unspecified));
    }

    [Fact]
    public void Go_zero_time_and_null_are_unset()
    {
        Assert.False(KubeDecoder.IsSet(null));
        Assert.False(KubeDecoder.IsSet(DateTime.MinValue));
        Assert.Equal(0, KubeDecoder.ToUnixNanosOrZero(new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.True(KubeDecoder.IsSet(DateTime.UnixEpoch));
    }
}
