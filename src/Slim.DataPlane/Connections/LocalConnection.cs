using System.Threading.Channels;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections;

/// <summary>
/// An in-process app's connection to a <see cref="Processing.MessageProcessor"/>: messages go both ways as objects
/// (no framing, no header MAC, no ttl decrement on entry).
/// </summary>
/// <remarks>
/// <para>
/// Sending: <see cref="SendAsync"/> routes a wire message immediately on the caller's thread. The message object is
/// never modified (outputs get copies), so a session may send the same object again to retransmit it, but it must
/// not change it while a send is in progress. A publish nobody subscribed comes back as a <see cref="RoutingError"/>
/// on <see cref="Reader"/>; remote senders in the same situation are never told.
/// </para>
/// <para>
/// Receiving: <see cref="Reader"/> yields the messages routed to this app and routing errors, in order. The inbox
/// is bounded (<see cref="LocalConnectionOptions.QueueCapacity"/>); when the app falls behind, deliveries are
/// dropped and counted rather than slowing the processor.
/// </para>
/// <para>
/// Subscriptions: <see cref="SubscribeAsync"/> adds the app to the processor's table and, with a
/// <c>forwardTo</c> link, forwards the subscription upstream and completes only when the node acknowledged it
/// (the processor resends 3 times, 5 s apart); failures surface as <see cref="SlimDataPlaneException"/>.
/// </para>
/// </remarks>
public sealed class LocalConnection : IAsyncDisposable
{
    private readonly Router _router;
    private readonly LocalEndpoint _endpoint;
    private readonly LocalConnectionOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<(SlimName Name, ulong? ForwardTo), ulong> _subscriptionIds = [];
    private ulong _nextSubscriptionId = SlimIds.NewSubscriptionIdBase();

    internal LocalConnection(Router router, LocalEndpoint endpoint, LocalConnectionOptions options)
    {
        _router = router;
        _endpoint = endpoint;
        _options = options;
    }

    /// <summary>This connection's id in the processor (the <c>incoming_conn</c> of what it sends).</summary>
    public ulong Id => _endpoint.Id;

    /// <summary>Messages routed to this app and routing errors about messages it sent.</summary>
    public ChannelReader<LocalDelivery> Reader => _endpoint.Reader;

    /// <summary>Reads deliveries until the connection is disposed or <paramref name="cancellationToken"/> fires.</summary>
    public IAsyncEnumerable<LocalDelivery> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _endpoint.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Hands a Publish, Subscribe or Unsubscribe to the processor. Publishes to a single remote connection wait for
    /// queue space; everything else completes at once.
    /// </summary>
    /// <exception cref="SlimDataPlaneException">The message is invalid (<see cref="SlimErrorCode.MissingField"/>) or the connection is disposed.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfClosed();
        return _router.ProcessLocalAsync(message, _endpoint, cancellationToken);
    }

    /// <summary>
    /// Subscribes this app to <paramref name="name"/> (with the id it should be reached by, or
    /// <see cref="SlimName.AnyInstance"/>). With <paramref name="forwardTo"/> (an outbound link's
    /// <see cref="Links.OutboundLink.ConnectionId"/>) the subscription is also forwarded to the node and this call
    /// waits for the node's acknowledgement. Subscribing again to the same name is idempotent.
    /// </summary>
    /// <param name="source">The app's own full name (the Subscribe's source).</param>
    /// <param name="name">The name to receive messages for.</param>
    /// <param name="forwardTo">The link to forward the subscription on, or null for a local-only subscription.</param>
    /// <param name="identity">The identity token to put in the Subscribe (official apps send theirs on own-name subscriptions).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SlimDataPlaneException">The node refused it (<see cref="SlimErrorCode.SubscriptionFailed"/>) or did not answer in time (<see cref="SlimErrorCode.SubscriptionAckTimeout"/>).</exception>
    public Task SubscribeAsync(
        SlimName source, SlimName name, ulong? forwardTo = null, string identity = "", CancellationToken cancellationToken = default)
    {
        ulong id;
        lock (_gate)
        {
            if (!_subscriptionIds.TryGetValue((name, forwardTo), out id))
            {
                id = NextSubscriptionId();
                _subscriptionIds[(name, forwardTo)] = id;
            }
        }

        return ExchangeAsync(WireMessage.CreateSubscribe(source, name, id, identity), forwardTo, id, remove: null, cancellationToken);
    }

    /// <summary>
    /// Removes a subscription made by <see cref="SubscribeAsync"/> (same name and <paramref name="forwardTo"/>),
    /// waiting for the node's acknowledgement when it was forwarded.
    /// </summary>
    /// <exception cref="SlimDataPlaneException">The subscription is unknown (<see cref="SlimErrorCode.SubscriptionFailed"/>) or the acknowledgement did not come in time.</exception>
    public Task UnsubscribeAsync(
        SlimName source, SlimName name, ulong? forwardTo = null, string identity = "", CancellationToken cancellationToken = default)
    {
        ulong id;
        lock (_gate)
        {
            if (!_subscriptionIds.TryGetValue((name, forwardTo), out id))
            {
                id = NextSubscriptionId();
            }
        }

        return ExchangeAsync(WireMessage.CreateUnsubscribe(source, name, id, identity), forwardTo, id, (name, forwardTo), cancellationToken);
    }

    /// <summary>Removes this app from the processor: its subscriptions go, and those forwarded upstream are withdrawn.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_endpoint.IsClosed)
        {
            _router.RemoveConnection(_endpoint, "closed");
            _endpoint.Close();
        }

        return ValueTask.CompletedTask;
    }

    private async Task ExchangeAsync(
        Message message, ulong? forwardTo, ulong id, (SlimName, ulong?)? remove, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (forwardTo is { } link)
        {
            message.GetSlimHeader()!.ForwardTo = link;
        }

        var acknowledgement = _endpoint.ExpectAck(id);
        try
        {
            await _router.ProcessLocalAsync(message, _endpoint, cancellationToken).ConfigureAwait(false);
            var ack = await acknowledgement.WaitAsync(_options.SubscriptionAckTimeout, _router.Time, cancellationToken).ConfigureAwait(false);
            if (!ack.Success)
            {
                throw new SlimDataPlaneException(SlimErrorCode.SubscriptionFailed, ack.Error);
            }
        }
        catch (TimeoutException ex)
        {
            throw new SlimDataPlaneException(
                SlimErrorCode.SubscriptionAckTimeout,
                $"No acknowledgement for subscription {id} within {_options.SubscriptionAckTimeout.TotalSeconds:0.#} s.",
                ex);
        }
        catch (TaskCanceledException) when (_endpoint.IsClosed && !cancellationToken.IsCancellationRequested)
        {
            throw new SlimDataPlaneException(SlimErrorCode.ConnectionClosed, "The local connection was disposed.");
        }
        finally
        {
            _endpoint.ForgetAck(id);
        }

        if (remove is { } key)
        {
            lock (_gate)
            {
                _subscriptionIds.Remove(key);
            }
        }
    }

    private ulong NextSubscriptionId()
    {
        var id = _nextSubscriptionId++;
        return id == 0 ? _nextSubscriptionId++ : id;
    }

    private void ThrowIfClosed()
    {
        if (_endpoint.IsClosed)
        {
            throw new SlimDataPlaneException(SlimErrorCode.ConnectionClosed, "The local connection was disposed.");
        }
    }
}
