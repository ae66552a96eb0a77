using KSpanActors.Tracing;

namespace KSpanActors.Tests.Tracing;

/// <summary>Which controller messages say what was done to which child, and which say nothing one can hang a span under.</summary>
public sealed class EventMessagesTests
{
    [Theory]
    [InlineData("Scaled up replica set web-5d567cc74c to 3", "Up", 3)]
    [InlineData("Scaled down replica set web-7df978b9bf to 0 from 1", "Down", 0)]
    [InlineData("Scaled up replica set web-5d567cc74c from 0 to 3", "Up", 3)]
    [InlineData("Scaled down replica set web-7df978b9bf from 2 to 1", "Down", 1)]
    public void Both_forms_of_a_scaling_message_name_the_replica_set_and_its_new_size(string message, string direction, int replicas)
    {
        Assert.True(EventMessages.TryParse("Deployment", "ScalingReplicaSet", message, out var action));
        Assert.Equal(new ControllerAction(Enum.Parse<ActionDirection>(direction), "ReplicaSet", action.TargetName, replicas), action);
        Assert.StartsWith("web-", action.TargetName);
    }

    [Theory]
    [InlineData("ScalingReplicaSet", "Scaled up replica set web-5d567cc74c ")]
    [InlineData("ScalingReplicaSet", "Scaled up replica set web-5d567cc74c to many")]
    [InlineData("ScalingReplicaSet", "Scaled up replica set web-5d567cc74c to 3 and then some")]
    [InlineData("ScalingReplicaSet", "Scaled up replica set web-5d567cc74c from 1")]
    [InlineData("SuccessfulCreate", "Created pod: \"web-1\" (quoted)")]
    [InlineData("SuccessfulCreate", "Created pod:")]
    [InlineData("SuccessfulCreate", "Error creating: pods \"web-1\" is forbidden")]
    [InlineData("Started", "Created pod: web-1")]
    public void A_message_that_does_not_say_in_full_what_its_controller_did_is_no_action(string reason, string message)
    {
        Assert.False(EventMessages.TryParse("ReplicaSet", reason, message, out _));
    }

    [Fact]
    public void A_megabyte_of_junk_is_no_action_whatever_it_starts_with()
    {
        var junk = new string('x', 1 << 20);

        Assert.False(EventMessages.TryParse("Deployment", "ScalingReplicaSet", junk, out _));
        Assert.False(EventMessages.TryParse("Deployment", "ScalingReplicaSet", "Scaled up replica set web-5d567cc74c " + junk, out _));
        Assert.False(EventMessages.TryParse("ReplicaSet", "SuccessfulCreate", "Created pod: " + junk, out _));
        Assert.False(EventMessages.TryParse("CronJob", "SuccessfulCreate", "Created job " + junk, out _));
    }

    [Theory]
    [InlineData("ReplicaSet", "SuccessfulCreate", "Created pod: web-5d567cc74c-ss4lb", "Up", "Pod", "web-5d567cc74c-ss4lb")]
    [InlineData("DaemonSet", "SuccessfulDelete", "Deleted pod: node-exporter-7xk2p", "Down", "Pod", "node-exporter-7xk2p")]
    [InlineData("StatefulSet", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful", "Up", "Pod", "web-0")]
    [InlineData("CronJob", "SuccessfulCreate", "Created job export-28627200", "Up", "Job", "export-28627200")]
    [InlineData("CronJob", "SuccessfulDelete", "Deleted job export-28627200", "Down", "Job", "export-28627200")]
    [InlineData("CronJob", "SuccessfulCreate", "(combined from similar events): Created job export-28627211", "Up", "Job", "export-28627211")]
    [InlineData("HelmChart", "ApplyJob", "Applying HelmChart using Job kube-system/helm-install-traefik", "Up", "Job", "helm-install-traefik")]
    public void A_controller_message_names_the_child_it_acted_on(string kind, string reason, string message, string direction, string targetKind, string target)
    {
        Assert.True(EventMessages.TryParse(kind, reason, message, out var action));
        Assert.Equal(new ControllerAction(Enum.Parse<ActionDirection>(direction), targetKind, target, -1), action);
        Assert.True(EventMessages.IsControllerAction(reason));
    }

    [Fact]
    public void An_aggregated_message_names_only_its_latest_job()
    {
        const string Message = "(combined from similar events): Created job export-28627211";

        Assert.True(EventMessages.IsCombined(Message));
        Assert.True(EventMessages.TryParse("CronJob", "SuccessfulCreate", Message, out var action));
        Assert.Equal("export-28627211", action.TargetName);
        Assert.False(EventMessages.IsCombined("Created job export-28627211"));
    }

    [Theory]
    [InlineData("Saw completed job: export-28627200, status: Complete", "export-28627200")]
    [InlineData("Saw completed job: export-28627202, status: Failed", "export-28627202")]
    [InlineData("Saw completed job: export-28627202", "export-28627202")]
    [InlineData("Saw completed job: export-28627203, condition: Complete", "export-28627203")]
    public void A_cronjob_that_saw_its_job_complete_names_the_job(string message, string job)
    {
        Assert.True(EventMessages.TryParseSawCompletedJob("SawCompletedJob", message, out var name));
        Assert.Equal(job, name);
        Assert.False(EventMessages.IsControllerAction("SawCompletedJob")); // it names the job, it did nothing to it
    }

    [Theory]
    [InlineData("FailedCreate", true, "Up")]
    [InlineData("FailedDelete", true, "Down")]
    [InlineData("SuccessfulCreate", false, "Up")]
    public void A_failed_create_or_delete_is_an_attempt_in_its_direction(string reason, bool attempt, string direction)
    {
        Assert.Equal(attempt, EventMessages.TryParseAttempt(reason, out var d));
        if (attempt) Assert.Equal(Enum.Parse<ActionDirection>(direction), d);
    }
}
