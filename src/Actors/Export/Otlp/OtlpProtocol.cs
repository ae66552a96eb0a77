namespace KSpanActors.Export.Otlp;

internal enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,

    /// <summary>OTLP/HTTP with JSON bodies (the specification's <c>http/json</c>), the encoding of <see cref="OtlpJson"/>.</summary>
    HttpJson,
}
