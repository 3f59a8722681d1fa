using Slim.DataPlane.Links;
using Slim.DataPlane.Tables;

namespace Slim.Node.Hosting;

/// <summary>
/// One <c>dataplane.clients</c> entry of a running <see cref="SlimNodeHost"/>: the node opens the link in the
/// background, retrying with the entry's backoff until it succeeds; from then on the
/// <see cref="OutboundLink"/> reconnects by itself.
/// </summary>
public sealed class NodeLink
{
    private readonly TaskCompletionSource<OutboundLink> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal NodeLink(Uri endpoint, ConnectionType connectionType)
    {
        Endpoint = endpoint;
        ConnectionType = connectionType;
    }

    /// <summary>The node this link goes to.</summary>
    public Uri Endpoint { get; }

    /// <summary>What the link is to the other node (Edge, Peer or Remote).</summary>
    public ConnectionType ConnectionType { get; }

    /// <summary>
    /// Completes with the link once it is first up; faults when the node gave up (the entry's <c>max_attempts</c>);
    /// is cancelled when the node stops first.
    /// </summary>
    public Task<OutboundLink> Connected => _connected.Task;

    /// <summary>The link once it is up, otherwise null.</summary>
    public OutboundLink? Link => _connected.Task.IsCompletedSuccessfully ? _connected.Task.Result : null;

    internal void SetConnected(OutboundLink link) => _connected.TrySetResult(link);

    internal void SetFailed(Exception error) => _connected.TrySetException(error);

    internal void SetCancelled() => _connected.TrySetCanceled();
}
