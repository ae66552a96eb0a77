using System.Net;
using k8s;
using k8s.Autorest;

namespace KSpanActors.Watch;

/// <summary>
/// KubernetesClient's <see cref="Kubernetes"/> with one addition: raw GETs whose body we read ourselves, so list pages
/// and watch lines go straight from bytes to our decoder and one malformed watch line can be skipped instead of ending
/// the stream. Configuration, TLS verification and credentials are the client's own (SendRequestRaw applies them).
/// </summary>
internal sealed class KubeApi : Kubernetes
{
    public KubeApi(KubernetesClientConfiguration config) : base(config) => Config = config;

    public KubernetesClientConfiguration Config { get; }

    /// <summary>GET a path relative to the server; the response is returned once headers arrive (streams stay open).</summary>
    public async Task<HttpResponseMessage> GetAsync(string relativeUri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, relativeUri));
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            return await SendRequestRaw("", request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            var status = e.Response?.StatusCode ?? HttpStatusCode.InternalServerError;
            var body = e.Response?.Content;
            throw new KubeApiException(status, $"GET {relativeUri}: HTTP {(int)status} {status}{(string.IsNullOrEmpty(body) ? "" : ": " + TextLine.Of(body, 300))}");
        }
    }

}
