using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Benchmarks.DataPlane;

/// <summary>One end of an in-memory stream pair.</summary>
internal sealed class PipeFrameStream(PipeReader input, PipeWriter output, string remote) : IFrameStream
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    public string RemoteDescription { get; } = remote;

    public CancellationToken Aborted => CancellationToken.None;

    public ValueTask CompleteAsync(Exception? error = null) => Output.CompleteAsync();

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync();
        await Input.CompleteAsync();
    }

    public static (PipeFrameStream Client, PipeFrameStream Server) CreatePair()
    {
        var options = new PipeOptions(pool: BlockMemoryPool.Instance, pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
        var toServer = new Pipe(options);
        var toClient = new Pipe(options);
        return (new PipeFrameStream(toClient.Reader, toServer.Writer, "server"), new PipeFrameStream(toServer.Reader, toClient.Writer, "client"));
    }
}

/// <summary>
/// A hand-driven Edge client of a processor: negotiates with an X25519 key, frames and MACs what it sends, and
/// counts the frames it receives.
/// </summary>
internal sealed class RawLink : IAsyncDisposable
{
    private readonly byte[] _key;

    private RawLink(PipeFrameStream stream, Task accepted, string linkId, byte[] key)
    {
        Stream = stream;
        Accepted = accepted;
        LinkId = linkId;
        _key = key;
    }

    public PipeFrameStream Stream { get; }

    public Task Accepted { get; }

    public string LinkId { get; }

    public static async Task<RawLink> ConnectAsync(MessageProcessor node)
    {
        var (client, server) = PipeFrameStream.CreatePair();
        var accepted = node.AcceptAsync(server);
        var linkId = Guid.NewGuid().ToString();
        var privateKey = X25519.GeneratePrivateKey();
        GrpcFraming.WriteFrame(client.Output, WireMessage.CreateLink(new LinkNegotiationPayload
        {
            LinkId = linkId,
            SlimVersion = "2.0.0-alpha.8",
            ConnectionType = LinkConnectionType.Edge,
            NodeId = "node-bench",
            LinkEcdhPublicKey = ByteString.CopyFrom(X25519.GetPublicKey(privateKey)),
        }));
        await client.Output.FlushAsync();
        var reply = (await ReadOneAsync(client.Input))!.Link.LinkNegotiation;
        var key = HeaderMac.DeriveKey(X25519.Agree(privateKey, reply.LinkEcdhPublicKey.Span), linkId);
        return new RawLink(client, accepted, linkId, key);
    }

    /// <summary>The framed bytes of <paramref name="message"/> with this link's MAC.</summary>
    public byte[] Frame(Message message)
    {
        if (message.GetSlimHeader() is { } header)
        {
            header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(_key, LinkId, header));
        }

        var buffer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    public async Task SendAsync(Message message)
    {
        await Stream.Output.WriteAsync(Frame(message));
    }

    /// <summary>Subscribes <paramref name="name"/> and waits for the processor's acknowledgement.</summary>
    public async Task SubscribeAsync(Slim.Protocol.SlimName name)
    {
        await SendAsync(WireMessage.CreateSubscribe(name, name, 1));
        var ack = await ReadOneAsync(Stream.Input);
        if (ack?.SubscriptionAck is not { Success: true })
        {
            throw new InvalidOperationException("subscription refused");
        }
    }

    public static async Task<Message?> ReadOneAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            if (GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out var payload) == FrameStatus.Complete)
            {
                var message = Message.Parser.ParseFrom(payload);
                input.AdvanceTo(buffer.Start);
                return message;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads and discards frames until <paramref name="count"/> have arrived.</summary>
    public async Task DrainAsync(long count)
    {
        var input = Stream.Input;
        long seen = 0;
        while (seen < count)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (seen < count && GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out _) == FrameStatus.Complete)
            {
                seen++;
            }

            input.AdvanceTo(buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new InvalidOperationException($"stream ended after {seen} of {count} frames");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        await Accepted;
    }
}

/// <summary>A raw stream end without negotiation (for the baseline relay).</summary>
internal sealed class RawLinkless(PipeFrameStream stream)
{
    public PipeFrameStream Stream { get; } = stream;

    public static byte[] Frame(Message message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    public async Task DrainAsync(long count)
    {
        var input = Stream.Input;
        long seen = 0;
        while (seen < count)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (seen < count && GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out _) == FrameStatus.Complete)
            {
                seen++;
            }

            input.AdvanceTo(buffer.Start, result.Buffer.End);
        }
    }
}
