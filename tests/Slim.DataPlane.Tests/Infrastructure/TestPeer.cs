using System.IO.Pipelines;
using System.Security.Cryptography;
using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>
/// A hand-driven client of a processor over an in-memory stream: it negotiates as initiator by building the Link
/// messages itself (independently of the engine's negotiator), MACs what it sends with <see cref="HeaderMac"/>, and
/// checks the MAC of everything it receives. Tests use it as "an official app" or "a misbehaving peer".
/// </summary>
internal sealed class TestPeer : IAsyncDisposable
{
    private readonly byte[]? _key;

    private TestPeer(InMemoryFrameStream stream, InMemoryFrameStream server, Task accepted, string linkId, byte[]? key, LinkNegotiationPayload reply)
    {
        Stream = stream;
        ServerSide = server;
        Accepted = accepted;
        LinkId = linkId;
        _key = key;
        Reply = reply;
    }

    public InMemoryFrameStream Stream { get; }

    public InMemoryFrameStream ServerSide { get; }

    /// <summary>The processor's AcceptAsync for this peer (completes when the processor is done with it).</summary>
    public Task Accepted { get; }

    public string LinkId { get; }

    public LinkNegotiationPayload Reply { get; }

    public bool HasKey => _key is not null;

    /// <summary>When false, received messages are not MAC-checked (for tests that inspect them raw).</summary>
    public bool VerifyInbound { get; set; } = true;

    public static async Task<TestPeer> ConnectAsync(
        MessageProcessor processor,
        LinkConnectionType type = LinkConnectionType.Edge,
        bool sendKey = true,
        PipeOptions? pipeOptions = null,
        string? nodeId = null,
        string deploymentName = "")
    {
        var (client, server) = InMemoryFrameStream.CreatePair(pipeOptions, "test peer", "processor");
        var accepted = processor.AcceptAsync(server, Ct);
        var linkId = Guid.NewGuid().ToString();
        var privateKey = X25519.GeneratePrivateKey();
        var request = new LinkNegotiationPayload
        {
            LinkId = linkId,
            SlimVersion = "2.0.0-alpha.8",
            IsReply = false,
            ConnectionType = type,
            NodeId = nodeId ?? "node-" + Guid.NewGuid(),
            DeploymentName = deploymentName,
        };
        if (sendKey)
        {
            request.LinkEcdhPublicKey = ByteString.CopyFrom(X25519.GetPublicKey(privateKey));
        }

        await client.WriteMessageAsync(WireMessage.CreateLink(request), Ct).WithTimeout();
        var reply = await client.ReadMessageAsync(Ct).WithTimeout() ?? throw new InvalidOperationException("The processor closed the stream during negotiation.");
        Assert.Equal(Message.MessageTypeOneofCase.Link, reply.MessageTypeCase);
        var payload = reply.Link.LinkNegotiation;
        Assert.True(payload.IsReply);
        Assert.Equal(linkId, payload.LinkId);
        Assert.Equal(type, payload.ConnectionType);
        byte[]? key = null;
        if (payload.LinkEcdhPublicKey.Length == 32)
        {
            key = HeaderMac.DeriveKey(X25519.Agree(privateKey, payload.LinkEcdhPublicKey.Span), linkId);
        }

        CryptographicOperations.ZeroMemory(privateKey);
        return new TestPeer(client, server, accepted, linkId, key, payload);
    }

    /// <summary>Sends a message, MACed with the link key when there is one and <paramref name="mac"/> is true.</summary>
    public Task SendAsync(Message message, bool mac = true)
    {
        if (mac && _key is not null && message.GetSlimHeader() is { } header)
        {
            header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(_key, LinkId, header));
        }

        return Stream.WriteMessageAsync(message, Ct).WithTimeout();
    }

    /// <summary>True when <paramref name="header"/> carries this link's valid MAC.</summary>
    public bool Verify(SLIMHeader header) => _key is not null && HeaderMac.Verify(_key, LinkId, header);

    /// <summary>Sets the header MAC of <paramref name="message"/> with this link's key.</summary>
    public void Sign(Message message)
    {
        var header = message.GetSlimHeader()!;
        header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(_key!, LinkId, header));
    }

    /// <summary>Receives the next message; fails the test on end of stream or a bad MAC.</summary>
    public async Task<Message> ReceiveAsync()
    {
        var message = await Stream.ReadMessageAsync(Ct).WithTimeout(what: "receiving a message") ?? throw new InvalidOperationException("The processor closed the stream.");
        if (VerifyInbound && message.GetSlimHeader() is { } header)
        {
            if (_key is not null)
            {
                Assert.True(HeaderMac.Verify(_key, LinkId, header), "The processor sent a message with a bad header MAC.");
            }
            else
            {
                Assert.False(header.HasHeaderMac, "A link without key must not carry header MACs.");
            }
        }

        return message;
    }

    /// <summary>Receives the next raw payload (no parsing, no checks).</summary>
    public async Task<byte[]> ReceiveRawAsync() =>
        await Stream.ReadPayloadAsync(Ct).WithTimeout(what: "receiving a message") ?? throw new InvalidOperationException("The processor closed the stream.");

    /// <summary>Waits until the processor ends the stream; returns the messages that came before.</summary>
    public async Task<List<Message>> ReceiveUntilClosedAsync()
    {
        var messages = new List<Message>();
        while (await Stream.ReadMessageAsync(Ct).WithTimeout(what: "waiting for the stream to close") is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Subscribes and waits for the ack (with its own subscription id).</summary>
    public async Task<SubscriptionAck> SubscribeAsync(SlimName source, SlimName name, ulong subscriptionId, string identity = "")
    {
        await SendAsync(WireMessage.CreateSubscribe(source, name, subscriptionId, identity));
        return await ExpectAckAsync(subscriptionId);
    }

    public async Task<SubscriptionAck> UnsubscribeAsync(SlimName source, SlimName name, ulong subscriptionId)
    {
        await SendAsync(WireMessage.CreateUnsubscribe(source, name, subscriptionId));
        return await ExpectAckAsync(subscriptionId);
    }

    public async Task<SubscriptionAck> ExpectAckAsync(ulong subscriptionId)
    {
        var message = await ReceiveAsync();
        Assert.Equal(Message.MessageTypeOneofCase.SubscriptionAck, message.MessageTypeCase);
        Assert.Equal(subscriptionId, message.SubscriptionAck.SubscriptionId);
        return message.SubscriptionAck;
    }

    /// <summary>
    /// A barrier: subscribes a throw-away name and waits for its ack. Everything this peer sent before has been
    /// processed, and anything routed to this peer from its own earlier messages would have arrived before the ack.
    /// </summary>
    public async Task BarrierAsync()
    {
        var id = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var probe = new SlimName("barrier", "barrier", "barrier", (UInt128)id);
        await SubscribeAsync(probe, probe, id);
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        await Accepted.WithTimeout(what: "the processor to finish the connection");
    }
}
