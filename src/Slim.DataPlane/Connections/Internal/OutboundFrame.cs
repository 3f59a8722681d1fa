using System.Buffers;
using System.Buffers.Binary;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Connections.Internal;

/// <summary>
/// A forwarded Publish as bytes: the received message copied once into a pooled buffer, plus the few header fields
/// this hop rewrites. Every remote output writes it with its own header MAC; the buffer goes back to the pool when
/// the last output is done (reference counted, so one copy serves a whole broadcast).
/// </summary>
/// <remarks>
/// <code>
/// buffer: [ received Message bytes | header part A | header part B | MAC preimage body ]
///
/// written per output:
///   gRPC prefix (0, u32 BE length)
///   0x1A len(Publish)                                  Message.publish
///     0x0A len(header)                                 Publish.header
///       part A   source, destination, identity, fanout, version (as received), ttl (new), incoming_conn (new), error
///       0x5A 0x20 tag                                  header_mac, only on links with a key
///       part B   e2e_header_sig and unknown header fields (as received)
///     rest of the Publish (session, msg, unknown)     as received
///   rest of the Message (metadata, unknown)            as received
/// </code>
/// For a message whose fields came in field-number order (what protobuf encoders write), this is exactly the
/// encoding Google.Protobuf would produce for the same message object.
/// </remarks>
internal sealed class OutboundFrame
{
    private const byte PublishTag = (3 << 3) | 2;
    private const byte HeaderTag = (1 << 3) | 2;
    private const byte TtlTag = 6 << 3;
    private const byte IncomingConnTag = 9 << 3;
    private const byte MacTag = (11 << 3) | 2;

    /// <summary>
    /// Frame buffers are rented on a read loop and returned on write loops, often thousands in flight under load:
    /// more than the shared pool's per-thread and per-core caches hold, so frames have their own deeper pool.
    /// </summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 256 * 1024, maxArraysPerBucket: 4096);

    private byte[]? _buffer;
    private int _references = 1;
    private ByteRange _publishRestBefore;
    private ByteRange _publishRestAfter;
    private ByteRange _messageRestBefore;
    private ByteRange _messageRestAfter;
    private ByteRange _headerA;
    private ByteRange _headerB;
    private ByteRange _body;

    private OutboundFrame()
    {
    }

    /// <summary>Builds the frame for this hop: new ttl and incoming_conn, recv_from / forward_to dropped.</summary>
    public static OutboundFrame Create(ReadOnlySpan<byte> message, in RawPublish raw, uint ttl, ulong incomingConnection)
    {
        var headerA = raw.SourceField.Length + raw.DestinationField.Length + raw.IdentityField.Length
                      + raw.FanoutField.Length + raw.VersionField.Length + raw.ErrorField.Length
                      + (ttl == 0 ? 0 : 1 + RawPublish.VarintSize(ttl)) + 1 + RawPublish.VarintSize(incomingConnection);
        var headerB = raw.SignatureField.Length + raw.Unknown0.Length + raw.Unknown1.Length + raw.Unknown2.Length + raw.Unknown3.Length;
        var body = raw.MacBodyLength(received: false);
        var buffer = Pool.Rent(message.Length + headerA + headerB + body);
        message.CopyTo(buffer);

        var frame = new OutboundFrame
        {
            _buffer = buffer,
            _messageRestBefore = new ByteRange(0, raw.PublishField.Start),
            _messageRestAfter = new ByteRange(raw.PublishField.End, message.Length - raw.PublishField.End),
            _publishRestBefore = new ByteRange(raw.PublishContent.Start, raw.HeaderField.Start - raw.PublishContent.Start),
            _publishRestAfter = new ByteRange(raw.HeaderField.End, raw.PublishContent.End - raw.HeaderField.End),
        };

        var offset = message.Length;
        var a = buffer.AsSpan(offset, headerA);
        var written = Copy(message, a, raw.SourceField);
        written += Copy(message, a[written..], raw.DestinationField);
        written += Copy(message, a[written..], raw.IdentityField);
        written += Copy(message, a[written..], raw.FanoutField);
        written += Copy(message, a[written..], raw.VersionField);
        if (ttl != 0)
        {
            // proto3 leaves a zero scalar out, as Google.Protobuf and prost do.
            a[written++] = TtlTag;
            written += RawPublish.WriteVarint(a[written..], ttl);
        }

        a[written++] = IncomingConnTag;
        written += RawPublish.WriteVarint(a[written..], incomingConnection);
        written += Copy(message, a[written..], raw.ErrorField);
        frame._headerA = new ByteRange(offset, written);
        offset += written;

        var b = buffer.AsSpan(offset, headerB);
        written = Copy(message, b, raw.SignatureField);
        written += Copy(message, b[written..], raw.Unknown0);
        written += Copy(message, b[written..], raw.Unknown1);
        written += Copy(message, b[written..], raw.Unknown2);
        written += Copy(message, b[written..], raw.Unknown3);
        frame._headerB = new ByteRange(offset, written);
        offset += written;

        written = raw.WriteMacBody(message, buffer.AsSpan(offset, body), received: false, ttl);
        frame._body = new ByteRange(offset, written);
        return frame;
    }

    /// <summary>One more output holds the frame.</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>An output is done with the frame; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0 && Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            Pool.Return(buffer);
        }
    }

    /// <summary>Writes the gRPC frame, with a header MAC when <paramref name="mac"/> is given; returns the bytes written.</summary>
    public int WriteTo(IBufferWriter<byte> output, HeaderMacContext? mac, Span<byte> tag)
    {
        var buffer = _buffer!;
        var headerLength = _headerA.Length + _headerB.Length + (mac is null ? 0 : 2 + HeaderMac.TagSize);
        var publishLength = 1 + RawPublish.VarintSize((ulong)headerLength) + headerLength
                            + _publishRestBefore.Length + _publishRestAfter.Length;
        var messageLength = 1 + RawPublish.VarintSize((ulong)publishLength) + publishLength
                            + _messageRestBefore.Length + _messageRestAfter.Length;
        var total = GrpcFraming.PrefixSize + messageLength;
        var span = output.GetSpan(total);

        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)messageLength);
        var offset = GrpcFraming.PrefixSize;
        offset += Copy(buffer, span[offset..], _messageRestBefore);
        span[offset++] = PublishTag;
        offset += RawPublish.WriteVarint(span[offset..], (ulong)publishLength);
        offset += Copy(buffer, span[offset..], _publishRestBefore);
        span[offset++] = HeaderTag;
        offset += RawPublish.WriteVarint(span[offset..], (ulong)headerLength);
        offset += Copy(buffer, span[offset..], _headerA);
        if (mac is not null)
        {
            mac.ComputeTag(buffer.AsSpan(_body.Start, _body.Length), tag);
            span[offset++] = MacTag;
            span[offset++] = HeaderMac.TagSize;
            tag[..HeaderMac.TagSize].CopyTo(span[offset..]);
            offset += HeaderMac.TagSize;
        }

        offset += Copy(buffer, span[offset..], _headerB);
        offset += Copy(buffer, span[offset..], _publishRestAfter);
        offset += Copy(buffer, span[offset..], _messageRestAfter);
        output.Advance(offset);
        return offset;
    }

    /// <summary>The message as an object (for an in-process app), without MAC.</summary>
    public Message ToMessage()
    {
        var writer = new ArrayBufferWriter<byte>(_buffer!.Length);
        WriteTo(writer, null, default);
        return Message.Parser.ParseFrom(writer.WrittenSpan[GrpcFraming.PrefixSize..]);
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination, ByteRange range)
    {
        if (range.Length == 0)
        {
            return 0;
        }

        source.Slice(range.Start, range.Length).CopyTo(destination);
        return range.Length;
    }
}
