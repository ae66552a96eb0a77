using System.Globalization;

namespace KSpanActors.Tracing;

/// <summary>Parses the messages of the controllers whose events say what they acted on (docs/trace-model.md, "Who caused what").</summary>
internal static class EventMessages
{
    /// <summary>
    /// The reasons of controller events that say what they did to another object (the one list: the object that
    /// reports one claims what it acted on, and a family keeps them after an export for later events to hang under).
    /// </summary>
    public static bool IsControllerAction(string reason) => reason is "ScalingReplicaSet" or "SuccessfulCreate" or "SuccessfulDelete";

    public static bool TryParse(string kind, string reason, string message, out ControllerAction action)
    {
        action = default;
        if (string.IsNullOrEmpty(message)) return false;
        var span = message.AsSpan().Trim();

        if (reason == "ScalingReplicaSet")
        {
            // Scaled up replica set px-5d567cc74c to 1   |   Scaled down replica set px-7df978b9bf to 0 from 1
            ActionDirection dir;
            if (span.StartsWith("Scaled up replica set ", StringComparison.Ordinal)) { dir = ActionDirection.Up; span = span["Scaled up replica set ".Length..]; }
            else if (span.StartsWith("Scaled down replica set ", StringComparison.Ordinal)) { dir = ActionDirection.Down; span = span["Scaled down replica set ".Length..]; }
            else return false;
            var sp = span.IndexOf(' ');
            if (sp <= 0) return false;
            var name = span[..sp].ToString();
            var rest = span[(sp + 1)..];
            var n = -1;
            if (rest.StartsWith("to ", StringComparison.Ordinal))
            {
                rest = rest[3..];
                var end = rest.IndexOf(' ');
                var digits = end < 0 ? rest : rest[..end];
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out n)) n = -1;
            }
            action = new ControllerAction(dir, "ReplicaSet", name, n);
            return true;
        }

        bool create;
        if (reason == "SuccessfulCreate") create = true;
        else if (reason == "SuccessfulDelete") create = false;
        else return false;
        var d = create ? ActionDirection.Up : ActionDirection.Down;

        // ReplicaSet / DaemonSet / Job: "Created pod: P", "Deleted pod: P"; CronJob: "Created job J", "Deleted job J"
        if (TryAfter(span, create ? "Created pod: " : "Deleted pod: ", out var pod)) { action = new(d, "Pod", pod, -1); return true; }
        if (TryAfter(span, create ? "Created job " : "Deleted job ", out var job)) { action = new(d, "Job", job.TrimEnd(':'), -1); return true; }
        if (TryAfter(span, create ? "Created job: " : "Deleted job: ", out job)) { action = new(d, "Job", job, -1); return true; }
        // StatefulSet: "create Pod web-0 in StatefulSet web successful", "delete Pod web-0 in StatefulSet web successful"
        if (TryAfter(span, create ? "create Pod " : "delete Pod ", out var rest2))
        {
            var sp = rest2.IndexOf(' ', StringComparison.Ordinal);
            action = new(d, "Pod", sp < 0 ? rest2 : rest2[..sp], -1);
            return true;
        }
        _ = kind;
        return false;
    }

    private static bool TryAfter(ReadOnlySpan<char> s, string prefix, out string value)
    {
        if (s.StartsWith(prefix, StringComparison.Ordinal))
        {
            var v = s[prefix.Length..].Trim();
            if (!v.IsEmpty)
            {
                value = Ingest.StringInterner.Shared.Intern(v);
                return true;
            }
        }
        value = "";
        return false;
    }

    /// <summary>"spec.containers{podinfo}" → "podinfo".</summary>
    public static string? ContainerName(string? fieldPath)
    {
        if (string.IsNullOrEmpty(fieldPath)) return null;
        var open = fieldPath.IndexOf('{', StringComparison.Ordinal);
        var close = fieldPath.LastIndexOf('}');
        // From the shared string cache: a span per event names one of a few containers.
        return open >= 0 && close > open + 1 ? Ingest.StringInterner.Shared.Intern(fieldPath.AsSpan()[(open + 1)..close]) : null;
    }

    /// <summary>"Successfully assigned default/px-1 to kind-control-plane" → "kind-control-plane".</summary>
    public static string? ScheduledNode(string reason, string message)
    {
        if (reason != "Scheduled") return null;
        var i = message.LastIndexOf(" to ", StringComparison.Ordinal);
        return i < 0 ? null : Ingest.StringInterner.Shared.Intern(message.AsSpan()[(i + 4)..].Trim());
    }
}
