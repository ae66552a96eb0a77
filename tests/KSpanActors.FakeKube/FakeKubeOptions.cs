namespace KSpanActors.Tests.FakeKube;

/// <summary>How a <see cref="FakeKubeApiServer"/> behaves. All optional; the defaults suit tests.</summary>
public sealed record FakeKubeOptions
{
    /// <summary>Watch events kept per resource; a watch from an older resourceVersion gets 410 Expired.</summary>
    public int HistorySize { get; init; } = 1000;

    /// <summary>How often a watch that allows bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Serve events.k8s.io/v1 (discovery and endpoints). Off: only core/v1 events are served (the store keeps both).</summary>
    public bool ServeEventsV1 { get; init; }

    /// <summary>When set, every request needs <c>Authorization: Bearer &lt;token&gt;</c> (else 401). Can be changed with <see cref="FakeKubeApiServer.RotateToken"/>.</summary>
    public string? RequiredToken { get; init; }

    /// <summary>uid of the kube-system namespace (the cluster's identity, k8s.cluster.uid).</summary>
    public string ClusterUid { get; init; } = "00000000-0000-4000-8000-00000000c1d0";

    /// <summary>A watch without timeoutSeconds ends (cleanly) after this long; null: never.</summary>
    public TimeSpan? DefaultWatchTimeout { get; init; }

    /// <summary>Aborted connections (cut, dropped watches) end with a TCP reset instead of a FIN. With a FIN (the default, as when
    /// an API server process exits) the client reads "The response ended prematurely"; with a reset, "Connection reset by peer".</summary>
    public bool AbortWithReset { get; init; }

    /// <summary>A load source: documents streamed to the first watch of their kind past the store (see <see cref="FakeWatchFeed"/>).</summary>
    public FakeWatchFeed? Feed { get; init; }

    /// <summary>Reported by /version.</summary>
    public string GitVersion { get; init; } = "v1.31.0-fake";
}
