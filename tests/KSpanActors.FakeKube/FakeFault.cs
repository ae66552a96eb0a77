namespace KSpanActors.Tests.FakeKube;

/// <summary>The faults a <see cref="FakeKubeApiServer"/> counts (<see cref="FakeKubeApiServer.FaultsFired"/>).</summary>
public enum FakeFault
{
    /// <summary>A watch got half an event line, then its connection was aborted (<see cref="FakeKubeApiServer.CutNextWatchMidEvent"/>).</summary>
    CutMidEvent,

    /// <summary>A watch got the 410 Expired ERROR event: injected, or its resourceVersion was older than the kept history.</summary>
    Expired,

    /// <summary>A watch got a line of invalid JSON before its events.</summary>
    MalformedLine,

    /// <summary>A request was answered with an injected error status (<see cref="FakeKubeApiServer.FailNextRequests"/>).</summary>
    FailedRequest,

    /// <summary>A request had no or the wrong bearer token (401).</summary>
    Unauthorized,

    /// <summary>An open watch connection was aborted by <see cref="FakeKubeApiServer.DropAllWatches"/>.</summary>
    DroppedWatch,

    /// <summary>An open watch was ended cleanly by <see cref="FakeKubeApiServer.CloseAllWatches"/>.</summary>
    ClosedWatch,
}

/// <summary>One request the fake answered: path and query as sent, the status it got, the bearer token it carried (null: none)
/// and when it was recorded (UTC: watches when their stream started, other requests when answered).</summary>
public sealed record FakeRequest(string Method, string PathAndQuery, int Status, bool HadToken, string? Token = null, DateTimeOffset AtUtc = default)
{
    /// <summary>A watch request (watch=true in the query).</summary>
    public bool IsWatch => PathAndQuery.Contains("watch=true", StringComparison.Ordinal) || PathAndQuery.Contains("watch=1", StringComparison.Ordinal);
}
