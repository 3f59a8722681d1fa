using Microsoft.Extensions.Hosting;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// A host lifetime that neither hooks process signals nor writes to the console: the server is started and stopped
/// by its owner (the node's composition root decides what SIGTERM means, and tests run many servers per process).
/// </summary>
internal sealed class QuietHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
