using System.Security.Cryptography;
using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Testing;

/// <summary>
/// A hand-driven SLIM link over any <see cref="IFrameStream"/> (usually a real HTTP/2 stream from
/// <see cref="GrpcStreamClient"/>): it builds the link negotiation itself, MACs what it sends with
/// <see cref="HeaderMac"/> and checks the MAC of everything it receives. Tests use it as a well-behaved client of
/// any node, official or ours, and as a misbehaving one (bad MACs, garbage frames, no negotiation).
/// </summary>
public sealed class RawSlimClient : IAsyncDisposable
{
    private readonly byte[]? _key;

    private RawSlimClient(IFrameStream stream, string linkId, byte[]? key, LinkNegotiationPayload reply)
    {
        Stream = stream;
        LinkId = linkId;
        _key = key;
        Reply = reply;
    }

    /// <summary>The underlying stream.</summary>
    public IFrameStream Stream { get; }

    /// <summary>The link id sent in the negotiation.</summary>
    public string LinkId { get; }

    /// <summary>The node's negotiation reply.</summary>
    public LinkNegotiationPayload Reply { get; }

    /// <summary>True when the link negotiated a MAC key.</summary>
    public bool HasKey => _key is not null;

    /// <summary>Opens a stream to <paramref name="endpoint"/> (h2c or TLS) and negotiates the link.</summary>
    public static async Task<RawSlimClient> ConnectAsync(
        Uri endpoint,
        bool offerKey = true,
        LinkConnectionType type = LinkConnectionType.Edge,
        GrpcClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var stream = await GrpcStreamClient.ConnectAsync((options ?? new GrpcClientOptions()) with { Endpoint = endpoint }, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            return await NegotiateAsync(stream, offerKey, type, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Negotiates the link as initiator on an open stream.</summary>
    /// <exception cref="InvalidDataException">The node closed the stream or answered with something else than a link reply.</exception>
    public static async Task<RawSlimClient> NegotiateAsync(
        IFrameStream stream, bool offerKey = true, LinkConnectionType type = LinkConnectionType.Edge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var linkId = Guid.NewGuid().ToString();
        var privateKey = X25519.GeneratePrivateKey();
        try
        {
            var request = new LinkNegotiationPayload
            {
                LinkId = linkId,
                SlimVersion = SlimConstants.WireVersion,
                IsReply = false,
                ConnectionType = type,
                NodeId = "raw-client-" + Guid.NewGuid(),
            };
            if (offerKey)
            {
                request.LinkEcdhPublicKey = ByteString.CopyFrom(X25519.GetPublicKey(privateKey));
            }

            await stream.WriteMessageAsync(WireMessage.CreateLink(request), cancellationToken).ConfigureAwait(false);
            var reply = await stream.ReadMessageAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("The node closed the stream during link negotiation.");
            if (reply.MessageTypeCase != Message.MessageTypeOneofCase.Link || !reply.Link.LinkNegotiation.IsReply || reply.Link.LinkNegotiation.LinkId != linkId)
            {
                throw new InvalidDataException($"Unexpected negotiation reply: {reply}");
            }

            var payload = reply.Link.LinkNegotiation;
            byte[]? key = null;
            if (payload.LinkEcdhPublicKey.Length == 32)
            {
                key = HeaderMac.DeriveKey(X25519.Agree(privateKey, payload.LinkEcdhPublicKey.Span), linkId);
            }

            return new RawSlimClient(stream, linkId, key, payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>Sends a message, MACed with the link key when there is one and <paramref name="mac"/> is true.</summary>
    public Task SendAsync(Message message, bool mac = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (mac && _key is not null && message.GetSlimHeader() is { } header)
        {
            header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(_key, LinkId, header));
        }

        return Stream.WriteMessageAsync(message, cancellationToken);
    }

    /// <summary>Sends one frame whose payload is <paramref name="payload"/> (need not be a valid message).</summary>
    public async Task SendPayloadAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        GrpcFraming.WriteFrame(Stream.Output, payload);
        await Stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Receives the next message (null when the node ended the stream); a wrong or missing MAC fails.</summary>
    /// <exception cref="InvalidDataException">A Publish/Subscribe/Unsubscribe came with a wrong or missing header MAC.</exception>
    public async Task<Message?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var message = await Stream.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
        if (message?.GetSlimHeader() is { } header)
        {
            if (_key is not null ? !HeaderMac.Verify(_key, LinkId, header) : header.HasHeaderMac)
            {
                throw new InvalidDataException($"The node sent a {message.MessageTypeCase} with a bad header MAC.");
            }
        }

        return message;
    }

    /// <summary>Receives the next Publish, skipping nothing: anything else fails.</summary>
    public async Task<Message> ReceivePublishAsync(CancellationToken cancellationToken = default)
    {
        var message = await ReceiveAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException("The node ended the stream.");
        return message.MessageTypeCase == Message.MessageTypeOneofCase.Publish
            ? message
            : throw new InvalidDataException($"Expected a publish, got {message}");
    }

    /// <summary>Subscribes and waits for the node's acknowledgement.</summary>
    public async Task<SubscriptionAck> SubscribeAsync(SlimName source, SlimName name, ulong subscriptionId, CancellationToken cancellationToken = default)
    {
        await SendAsync(WireMessage.CreateSubscribe(source, name, subscriptionId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return await ExpectAckAsync(subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the next message, which must be the SubscriptionAck of <paramref name="subscriptionId"/>.</summary>
    public async Task<SubscriptionAck> ExpectAckAsync(ulong subscriptionId, CancellationToken cancellationToken = default)
    {
        var message = await ReceiveAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException("The node ended the stream.");
        if (message.MessageTypeCase != Message.MessageTypeOneofCase.SubscriptionAck || message.SubscriptionAck.SubscriptionId != subscriptionId)
        {
            throw new InvalidDataException($"Expected the ack of subscription {subscriptionId}, got {message}");
        }

        return message.SubscriptionAck;
    }

    /// <summary>
    /// A barrier: subscribes a throw-away name and waits for its ack. The node has processed everything this client
    /// sent before, and anything it routed back to this client from those messages arrived before the ack.
    /// </summary>
    public async Task BarrierAsync(CancellationToken cancellationToken = default)
    {
        var id = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var probe = new SlimName("barrier", "barrier", "barrier", (UInt128)id);
        var ack = await SubscribeAsync(probe, probe, id, cancellationToken).ConfigureAwait(false);
        if (!ack.Success)
        {
            throw new InvalidDataException($"The barrier subscription failed: {ack.Error}");
        }
    }

    /// <summary>Reads until the node ends the stream; returns what came before. A transport failure also ends it.</summary>
    public async Task<List<Message>> ReceiveUntilClosedAsync(CancellationToken cancellationToken = default)
    {
        var messages = new List<Message>();
        try
        {
            while (await Stream.ReadMessageAsync(cancellationToken).ConfigureAwait(false) is { } message)
            {
                messages.Add(message);
            }
        }
        catch (SlimTransportException)
        {
            // The node ended the call with an error status or reset it: closed all the same.
        }

        return messages;
    }

    /// <summary>Publishes <paramref name="text"/> from <paramref name="source"/> to <paramref name="destination"/> (P2P MSG, ttl 8).</summary>
    public static Message TextPublish(SlimName source, SlimName destination, string text, uint fanout = SlimConstants.AnycastFanout, uint ttl = SlimConstants.DefaultTtl)
    {
        var message = WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.Msg, 7, 1),
            new Content { AppPayload = new ApplicationPayload { PayloadType = "text/plain", Blob = ByteString.CopyFromUtf8(text) } },
            fanout,
            identity: "raw-client");
        message.GetSlimHeader()!.Ttl = ttl;
        return message;
    }

    /// <summary>The text payload of a publish made by <see cref="TextPublish"/>.</summary>
    public static string TextOf(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Publish.Msg.AppPayload.Blob.ToStringUtf8();
    }

    /// <summary>Closes the stream.</summary>
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
