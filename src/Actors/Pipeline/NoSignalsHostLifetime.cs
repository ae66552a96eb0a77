using Microsoft.Extensions.Hosting;

namespace KSpanActors.Pipeline;

/// <summary>
/// A host lifetime that reacts to no signal (the generic host's default, ConsoleLifetime, handles SIGINT, SIGQUIT and
/// SIGTERM by stopping the application). The process that runs the pipeline decides what a signal means.
/// </summary>
internal sealed class NoSignalsHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
