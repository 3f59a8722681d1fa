using Slim.Protocol;

namespace Slim.DataPlane.Processing;

/// <summary>Settings of a <see cref="MessageProcessor"/>.</summary>
/// <remarks>
/// <para><b>Back-pressure and drop policy.</b> Every connection has a bounded outbound queue
/// (<see cref="OutboundQueueCapacity"/> messages). Routing never waits for a queue: a message for a connection
/// whose queue is full is dropped and counted (<c>slim.dataplane.messages.dropped{reason=queue_full}</c>), so one
/// slow peer never slows the others. The single exception is a local app publishing to exactly one remote
/// connection: its <c>SendAsync</c> waits for queue space, which slows only that app.</para>
/// <para>A peer that stops reading entirely is detected by its write loop: when one flush stays pending for
/// <see cref="WriteStallTimeout"/>, the connection is closed (<c>reason=stalled</c>); an outbound link then
/// reconnects.</para>
/// </remarks>
public sealed record DataPlaneOptions
{
    /// <summary>The defaults: strict header MACs, 5 s negotiation, 4 MiB messages.</summary>
    public static DataPlaneOptions Default { get; } = new();

    /// <summary>This node's id in link negotiation; null gives a fresh <c>node-&lt;uuid&gt;</c> per processor.</summary>
    public string? NodeId { get; init; }

    /// <summary>The deployment name sent in negotiation; when not empty, incoming peer links must carry the same.</summary>
    public string DeploymentName { get; init; } = string.Empty;

    /// <summary>
    /// Strict mode (default): an incoming connection must offer an X25519 key, so every Publish, Subscribe and
    /// Unsubscribe on it carries a verified header MAC; a client without key is refused. When false, a peer
    /// without key is accepted and its link runs without MAC. A link with a key always requires valid MACs.
    /// </summary>
    public bool RequireHeaderMac { get; init; } = true;

    /// <summary>Time a new connection has to complete link negotiation (official default 5 s).</summary>
    public TimeSpan NegotiationTimeout { get; init; } = SlimConstants.LinkNegotiationTimeout;

    /// <summary>Largest message accepted on a connection; a larger frame closes that connection.</summary>
    public int MaxMessageSize { get; init; } = SlimConstants.DefaultMaxMessageSize;

    /// <summary>Messages each remote connection's outbound queue holds before it drops.</summary>
    public int OutboundQueueCapacity { get; init; } = 4096;

    /// <summary>The write loop flushes at least every this many bytes within a batch.</summary>
    public int WriteBatchBytes { get; init; } = 64 * 1024;

    /// <summary>A peer whose stream accepts no bytes for this long is disconnected.</summary>
    public TimeSpan WriteStallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>ttl of the Subscribes and Unsubscribes this node sends to its peers (bounds propagation depth).</summary>
    public uint SubscriptionTtl { get; init; } = SlimConstants.DefaultTtl;

    /// <summary>Time to wait for one SubscriptionAck of a forwarded subscription before resending it.</summary>
    public TimeSpan SubscriptionAckTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Resends of a forwarded subscription that was not acknowledged (official default 3).</summary>
    public int SubscriptionAckRetries { get; init; } = 3;

    /// <summary>
    /// Forward publishes that arrived from a peer to other peers (needed for chains of more than two nodes).
    /// Turn off only in a full mesh where every node hears every subscription directly.
    /// </summary>
    public bool RelayPeerPublishes { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NegotiationTimeout, TimeSpan.Zero, nameof(NegotiationTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1024, nameof(MaxMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutboundQueueCapacity, 1, nameof(OutboundQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriteBatchBytes, 1, nameof(WriteBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(WriteStallTimeout, TimeSpan.Zero, nameof(WriteStallTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(SubscriptionTtl, 1u, nameof(SubscriptionTtl));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SubscriptionAckTimeout, TimeSpan.Zero, nameof(SubscriptionAckTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(SubscriptionAckRetries, nameof(SubscriptionAckRetries));
        ArgumentNullException.ThrowIfNull(DeploymentName, nameof(DeploymentName));
    }
}
