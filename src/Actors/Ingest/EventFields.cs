namespace KSpanActors.Ingest;

/// <summary>
/// What <see cref="KubeDecoder"/> takes from an Event (core/v1 or events.k8s.io/v1, names as core/v1 has them) to build
/// its <see cref="Model.EventObserved"/>: filled by the direct reader from the bytes, or from KubernetesClient's model on
/// the reference path, then turned into the fact by one function, so both paths apply the same rules.
/// </summary>
internal struct EventFields
{
    /// <summary>metadata is an object (not missing, not null).</summary>
    public bool HasMetadata;
    /// <summary>metadata.uid when it was read as a string (the model path, or not a canonical UUID).</summary>
    public string? Uid;
    /// <summary>metadata.uid packed straight from the bytes (the direct reader, a canonical UUID): no string made.</summary>
    public Model.CompactUid? PackedUid;
    public string? MetaNamespace;
    public string? MetaName;
    public DateTime? Created;
    /// <summary>metadata.annotations has topLevelSpan: "true".</summary>
    public bool TopLevelSpan;

    // involvedObject (events.k8s.io: regarding)
    public string? InvolvedKind;
    public string? InvolvedName;
    public string? InvolvedNamespace;
    public string? InvolvedUid;
    public string? FieldPath;

    /// <summary>series is an object (not missing, not null).</summary>
    public bool HasSeries;
    public int? SeriesCount;
    public DateTime? SeriesLastObserved;

    public int? Count; // events.k8s.io: deprecatedCount
    public DateTime? EventTime;
    public DateTime? FirstTimestamp; // events.k8s.io: deprecatedFirstTimestamp
    public DateTime? LastTimestamp; // events.k8s.io: deprecatedLastTimestamp
    public string? Reason;
    public string? Message; // events.k8s.io: note
    public bool Warning; // type is Warning
    public string? ReportingComponent; // events.k8s.io: reportingController
    public string? ReportingInstance;
    public string? SourceComponent; // events.k8s.io: deprecatedSource
    public string? SourceHost;
}
