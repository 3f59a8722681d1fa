using Slim.DataPlane.Tables;

namespace Slim.DataPlane.Links;

/// <summary>Settings of one outbound link (a node's <c>clients:</c> entry, or an SDK's connection to its node).</summary>
/// <remarks>
/// Reconnection: after the first successful negotiation, a lost stream is re-opened through the connect factory
/// after <see cref="ReconnectInitialDelay"/>, then delays grow by <see cref="ReconnectMultiplier"/> up to
/// <see cref="ReconnectMaxDelay"/>; each delay is randomised to between half and all of its value (jitter) so
/// many clients do not reconnect in step. The link keeps its connection id, its link id, its routes and its
/// outbound queue across reconnects.
/// </remarks>
public sealed record OutboundLinkOptions
{
    /// <summary>An Edge link with the default backoff.</summary>
    public static OutboundLinkOptions Default { get; } = new();

    /// <summary>The link id sent in negotiation (reused on every reconnect); null gives a random UUIDv4.</summary>
    public string? LinkId { get; init; }

    /// <summary>
    /// What this link is to the other side: <see cref="ConnectionType.Edge"/> (an SDK; the official default),
    /// <see cref="ConnectionType.Peer"/> (node to node with subscription propagation) or
    /// <see cref="ConnectionType.Remote"/> (node to node, static routes only).
    /// </summary>
    public ConnectionType ConnectionType { get; init; } = ConnectionType.Edge;

    /// <summary>Require the server to answer with an X25519 key (strict); null takes the processor's setting.</summary>
    public bool? RequireHeaderMac { get; init; }

    /// <summary>Delay before the first reconnect attempt.</summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of the reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Growth factor of the reconnect delay after each failed attempt.</summary>
    public double ReconnectMultiplier { get; init; } = 2.0;

    /// <summary>Failed reconnect attempts after which the link closes for good; null retries forever.</summary>
    public int? MaxReconnectAttempts { get; init; }

    /// <summary>The remote end for logs (for example the endpoint URI).</summary>
    public string? Description { get; init; }

    /// <summary>Send local apps' publishes that match nothing to this link (an SDK's usual setup).</summary>
    public bool UseAsDefaultRoute { get; init; }

    internal void Validate()
    {
        if (ConnectionType == ConnectionType.Local)
        {
            throw new ArgumentException("An outbound link cannot be of type Local.", nameof(ConnectionType));
        }

        if (LinkId is { Length: 0 })
        {
            throw new ArgumentException("The link id must not be empty.", nameof(LinkId));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectInitialDelay, TimeSpan.Zero, nameof(ReconnectInitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMaxDelay, ReconnectInitialDelay, nameof(ReconnectMaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMultiplier, 1.0, nameof(ReconnectMultiplier));
        if (MaxReconnectAttempts is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(max, nameof(MaxReconnectAttempts));
        }
    }
}
