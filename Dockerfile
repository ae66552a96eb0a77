# syntax=docker/dockerfile:1
# KSpan Actors image: `kspan-actors` on the ASP.NET Core runtime (the host serves /healthz, /readyz and
# /metrics over HTTP on 9090; Akka remoting on 4053).
#
#   docker build -t ghcr.io/kspan-actors/kspan-actors:dev .
#   docker run --rm -v ~/.kube/config:/home/app/.kube/config:ro ghcr.io/kspan-actors/kspan-actors:dev \
#       watch --kubeconfig /home/app/.kube/config
#   docker run --rm ghcr.io/kspan-actors/kspan-actors:dev demo

# ---- build -------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the project files only, so the package layer is reused until a project file changes. As
# `dotnet publish` restores (_IsPublishing): for the build platform's runtime identifier, with the ReadyToRun compiler
# the Host's project file asks for when publishing.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Actors/KSpanActors.csproj src/Actors/
COPY src/Host/KSpanActors.Host.csproj src/Host/
RUN dotnet restore src/Host/KSpanActors.Host.csproj -p:_IsPublishing=true

COPY src/ src/
# Framework-dependent and ReadyToRun (src/Host's project file), no native apphost: the runtime image runs it as
# `dotnet kspan-actors.dll`.
RUN dotnet publish src/Host -c Release -o /app --no-restore -p:UseAppHost=false

# ---- runtime -----------------------------------------------------------------------------------------
# aspnet (not runtime): the HTTP endpoints and the gRPC parts use the ASP.NET Core shared framework.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
LABEL org.opencontainers.image.title="kspan-actors" \
      org.opencontainers.image.description="Kubernetes Events and objects as OpenTelemetry traces, through Akka.NET sharded actors" \
      org.opencontainers.image.source="https://github.com/kspan-actors/kspan-actors"

WORKDIR /app
# Owned by root and not writable by the user that runs it: the application cannot be altered at run time.
COPY --from=build --chown=0:0 /app ./

# The image's home for the `app` user; a kubeconfig mounted at /home/app/.kube/config is found without
# --kubeconfig. .NET's temp files and diagnostics socket go to /tmp (a tmpfs/emptyDir when the root
# filesystem is read-only).
ENV HOME=/home/app \
    TMPDIR=/tmp \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    KSpan__Http__Port=9090 \
    KSpan__Pipeline__Port=4053

# 9090: /healthz, /readyz, /metrics. 4053: Akka remoting between replicas.
EXPOSE 9090 4053

# Mount points for the user's kubeconfig: /home/app belongs to the image's `app` user (uid 1654) and may be
# 0750, which uid 10001 could not enter.
RUN mkdir -p /home/app/.kube && chmod 0755 /home/app /home/app/.kube

# Non-root, numeric (so Kubernetes' runAsNonRoot can verify it): the same uid the manifests and compose use.
USER 10001:10001

ENTRYPOINT ["dotnet", "/app/kspan-actors.dll"]
CMD ["watch"]
