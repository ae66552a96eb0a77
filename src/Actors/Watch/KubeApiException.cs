using System.Net;

namespace KSpanActors.Watch;

/// <summary>An HTTP error from the API server, with its status code (401 when credentials expired, 410 when a resourceVersion is too old).</summary>
internal sealed class KubeApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
