using System.Globalization;

namespace KSpanActors.Tracing;

/// <summary>Parses the messages of the controllers whose events say what they acted on (docs/trace-model.md, "Who caused what").</summary>
internal static class EventMessages
{
    /// <summary>
    /// What the event recorder puts before the message of an event that stands for many similar ones (after ten of them
    /// within ten minutes, one aggregate event counts the others and carries only the latest message).
    /// </summary>
    public const string CombinedPrefix = "(combined from similar events): ";

    /// <summary>Longest object name Kubernetes allows (a DNS subdomain); a longer "name" is not one.</summary>
    private const int MaxNameLength = 253;

    /// <summary>
    /// The reasons of controller events that say what they did to another object (the one list: the object that
    /// reports one claims what it acted on, and a family keeps them after an export for later events to hang under).
    /// <c>ApplyJob</c> is k3s' helm-controller starting the Job that installs a HelmChart.
    /// </summary>
    public static bool IsControllerAction(string reason) => reason is "ScalingReplicaSet" or "SuccessfulCreate" or "SuccessfulDelete" or "ApplyJob";

    /// <summary>An aggregate event ("(combined from similar events): Created job J"): its message names only its latest action.</summary>
    public static bool IsCombined(string message) => message.StartsWith(CombinedPrefix, StringComparison.Ordinal);

    /// <summary>
    /// A controller's failed attempt to create or delete a child (<c>FailedCreate</c> "Error creating: pods ... is
    /// forbidden", <c>FailedDelete</c>): it names no child that exists, but it is part of what its controller was asked to do.
    /// </summary>
    public static bool TryParseAttempt(string reason, out ActionDirection direction)
    {
        direction = reason == "FailedDelete" ? ActionDirection.Down : ActionDirection.Up;
        return reason is "FailedCreate" or "FailedDelete";
    }

    /// <summary>
    /// An event that names a child without acting on it: the CronJob controller's <c>SawCompletedJob</c>
    /// "Saw completed job: J, status: Complete" (or <c>Failed</c>). True with the Job's name.
    /// </summary>
    public static bool TryParseSawCompletedJob(string reason, string message, out string job)
    {
        job = "";
        if (reason != "SawCompletedJob" || string.IsNullOrEmpty(message)) return false;
        var span = WithoutCombined(message.AsSpan().Trim());
        const string Prefix = "Saw completed job: ";
        if (!span.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        span = span[Prefix.Length..];
        var comma = span.IndexOf(',');
        var name = (comma < 0 ? span : span[..comma]).Trim();
        if (!IsObjectName(name)) return false;
        job = Ingest.StringInterner.Shared.Intern(name);
        return true;
    }

    /// <summary>
    /// What a controller event says it did, when it says it in full: a message that does not (a truncated or garbled
    /// copy, a megabyte of junk) is no action, so it never becomes the parent of what another event says happened.
    /// An aggregate event's message names its latest action only (see <see cref="CombinedPrefix"/>).
    /// </summary>
    public static bool TryParse(string kind, string reason, string message, out ControllerAction action)
    {
        action = default;
        if (string.IsNullOrEmpty(message) || !IsControllerAction(reason)) return false;
        var span = WithoutCombined(message.AsSpan().Trim());

        if (reason == "ScalingReplicaSet") return TryParseScaling(span, out action);

        if (reason == "ApplyJob")
        {
            // k3s helm-controller: "Applying HelmChart using Job kube-system/helm-install-traefik"
            if (!TryAfter(span, "Applying HelmChart using Job ", out var job)) return false;
            return Named(ActionDirection.Up, "Job", job[(job.LastIndexOf('/') + 1)..], out action);
        }

        var create = reason == "SuccessfulCreate";
        var d = create ? ActionDirection.Up : ActionDirection.Down;

        // ReplicaSet / DaemonSet / Job: "Created pod: P", "Deleted pod: P"; CronJob: "Created job J", "Deleted job J"
        if (TryAfter(span, create ? "Created pod: " : "Deleted pod: ", out var pod)) return Named(d, "Pod", pod, out action);
        if (TryAfter(span, create ? "Created job " : "Deleted job ", out var job2)) return Named(d, "Job", job2.TrimStart(':').TrimStart().TrimEnd(':'), out action);
        // StatefulSet: "create Pod web-0 in StatefulSet web successful", "delete Pod web-0 in StatefulSet web successful"
        if (TryAfter(span, create ? "create Pod " : "delete Pod ", out var rest2))
        {
            var sp = rest2.IndexOf(' ');
            return Named(d, "Pod", sp < 0 ? rest2 : rest2[..sp], out action);
        }
        _ = kind;
        return false;
    }

    /// <summary>
    /// A create or delete that acts on something other than a child with events of its own: a StatefulSet's volume claim
    /// ("create Claim data-web-0 Pod web-0 in StatefulSet web success"). Not an action, and not a garbled one either.
    /// </summary>
    public static bool NamesNoChild(string reason, string message) =>
        reason is "SuccessfulCreate" or "SuccessfulDelete"
        && (message.StartsWith("create Claim ", StringComparison.Ordinal) || message.StartsWith("delete Claim ", StringComparison.Ordinal));

    /// <summary>
    /// "Scaled up replica set R to 3", "Scaled down replica set R to 0 from 1" and, since Kubernetes 1.29,
    /// "Scaled up replica set R from 0 to 3": the whole message, with a number of replicas.
    /// </summary>
    private static bool TryParseScaling(ReadOnlySpan<char> span, out ControllerAction action)
    {
        action = default;
        ActionDirection dir;
        if (span.StartsWith("Scaled up replica set ", StringComparison.Ordinal)) { dir = ActionDirection.Up; span = span["Scaled up replica set ".Length..]; }
        else if (span.StartsWith("Scaled down replica set ", StringComparison.Ordinal)) { dir = ActionDirection.Down; span = span["Scaled down replica set ".Length..]; }
        else return false;
        var sp = span.IndexOf(' ');
        if (sp <= 0 || !IsObjectName(span[..sp])) return false;
        var name = span[..sp];
        var rest = span[(sp + 1)..];
        int n;
        if (rest.StartsWith("to ", StringComparison.Ordinal))
        {
            // "to N" or "to N from M"
            rest = rest[3..];
            var end = rest.IndexOf(' ');
            if (!TryCount(end < 0 ? rest : rest[..end], out n)) return false;
            if (end >= 0 && !(rest[(end + 1)..] is var from && from.StartsWith("from ", StringComparison.Ordinal) && TryCount(from[5..], out _))) return false;
        }
        else if (rest.StartsWith("from ", StringComparison.Ordinal))
        {
            // "from M to N"
            rest = rest[5..];
            var end = rest.IndexOf(' ');
            if (end <= 0 || !TryCount(rest[..end], out _)) return false;
            rest = rest[(end + 1)..];
            if (!rest.StartsWith("to ", StringComparison.Ordinal) || !TryCount(rest[3..], out n)) return false;
        }
        else return false;
        action = new ControllerAction(dir, "ReplicaSet", Ingest.StringInterner.Shared.Intern(name), n);
        return true;
    }

    private static bool TryCount(ReadOnlySpan<char> digits, out int n) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out n);

    private static bool Named(ActionDirection d, string kind, ReadOnlySpan<char> name, out ControllerAction action)
    {
        action = default;
        if (!IsObjectName(name)) return false;
        action = new(d, kind, Ingest.StringInterner.Shared.Intern(name), -1);
        return true;
    }

    private static ReadOnlySpan<char> WithoutCombined(ReadOnlySpan<char> span) =>
        span.StartsWith(CombinedPrefix, StringComparison.Ordinal) ? span[CombinedPrefix.Length..].TrimStart() : span;

    /// <summary>
    /// Whether a word can be an object's name: 1 to 253 letters, digits, '-', '.' or '_' (Kubernetes names are DNS
    /// subdomains; custom resources are laxer, but never hold spaces or quotes).
    /// </summary>
    public static bool IsObjectName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxNameLength) return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')) return false;
        }
        return true;
    }

    private static bool TryAfter(ReadOnlySpan<char> s, string prefix, out ReadOnlySpan<char> value)
    {
        value = default;
        if (!s.StartsWith(prefix, StringComparison.Ordinal)) return false;
        value = s[prefix.Length..].Trim();
        return !value.IsEmpty;
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
