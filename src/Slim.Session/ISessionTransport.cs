using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session;

/// <summary>
/// What the session layer needs from the data plane: send a message, (un)subscribe a channel name and wait for the
/// node's acknowledgement, and add or remove a local route. Inbound messages are fed to
/// <see cref="SessionLayer.OnMessageAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Implementations are thread-safe and keep the order of calls: two sends started one after the other leave in that
/// order (official peers rely on a GROUP_UPDATE preceding its GROUP_WELCOME). Sessions never send a message twice
/// through this interface concurrently; a retransmission is a separate call with the same message object.
/// </para>
/// <para>
/// The session layer fills the whole SLIM header (names, identity, fanout, ttl, version, e2e signature); the transport
/// owns only the link-local fields (header MAC, recv_from, forward_to, incoming_conn). It must not change the bytes
/// that are signed (names, identity, session header, payload type).
/// </para>
/// <para>
/// Failures throw (any exception); the session logs and counts them, and relies on its retransmissions.
/// </para>
/// </remarks>
public interface ISessionTransport
{
    /// <summary>Sends a Publish towards its destination.</summary>
    ValueTask SendAsync(Message message, CancellationToken cancellationToken);

    /// <summary>
    /// Subscribes <paramref name="name"/> (a channel with its id) for this app, as a Subscribe with
    /// source = <paramref name="subscriber"/>, destination = <paramref name="name"/> and an empty identity, and completes
    /// when the node has acknowledged it.
    /// </summary>
    ValueTask SubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken);

    /// <summary>Removes a subscription made with <see cref="SubscribeAsync"/>, and completes when the node has acknowledged it.</summary>
    ValueTask UnsubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken);

    /// <summary>
    /// Routes messages for <paramref name="name"/> through the connection a message arrived on
    /// (<paramref name="connectionId"/> = that message's <c>incoming_conn</c>). Sessions add routes to the members they learn.
    /// </summary>
    ValueTask SetRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken);

    /// <summary>Removes a route added with <see cref="SetRouteAsync"/>.</summary>
    ValueTask RemoveRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken);
}
