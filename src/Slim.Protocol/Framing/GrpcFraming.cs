using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Slim.Protocol.Wire;

namespace Slim.Protocol.Framing;

/// <summary>
/// The gRPC length-prefixed message framing used on the <c>OpenChannel</c> stream, as a pure codec.
/// </summary>
/// <remarks>
/// <code>
///  0        1                               5
/// +--------+-------------------------------+---------------------------+
/// | flag   | length (u32, big-endian)      | protobuf Message bytes    |
/// | 0 = raw|                               | (length bytes)            |
/// +--------+-------------------------------+---------------------------+
/// </code>
/// The declared length is checked against the caller's limit before any payload byte is awaited or read, so an
/// oversized frame is rejected from its 5-byte prefix. Compressed frames (flag 1) are refused: SLIM peers never
/// negotiate a <c>grpc-encoding</c>.
/// </remarks>
public static class GrpcFraming
{
    /// <summary>Size of the prefix before every message.</summary>
    public const int PrefixSize = 5;

    /// <summary>
    /// Tries to take one complete frame from the front of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Received bytes; on success it is advanced past the frame.</param>
    /// <param name="maxMessageSize">Largest payload accepted, in bytes.</param>
    /// <param name="payload">The message bytes (a slice of <paramref name="buffer"/>, valid until it is consumed).</param>
    /// <returns>
    /// <see cref="FrameStatus.Complete"/> with the payload, <see cref="FrameStatus.Incomplete"/> when more bytes are
    /// needed, or an error status; after an error the stream cannot be resynchronised and must be closed.
    /// </returns>
    public static FrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < PrefixSize)
        {
            return FrameStatus.Incomplete;
        }

        Span<byte> prefix = stackalloc byte[PrefixSize];
        buffer.Slice(0, PrefixSize).CopyTo(prefix);
        if (prefix[0] != 0)
        {
            return prefix[0] == 1 ? FrameStatus.CompressedNotSupported : FrameStatus.InvalidFlag;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (length > (uint)maxMessageSize)
        {
            return FrameStatus.TooLarge;
        }

        if (buffer.Length - PrefixSize < length)
        {
            return FrameStatus.Incomplete;
        }

        payload = buffer.Slice(PrefixSize, length);
        buffer = buffer.Slice(payload.End);
        return FrameStatus.Complete;
    }

    /// <summary>Reads the declared payload length of a frame prefix (no checks beyond the prefix size).</summary>
    public static uint ReadDeclaredLength(ReadOnlySpan<byte> prefix) =>
        BinaryPrimitives.ReadUInt32BigEndian(prefix.Slice(1, 4));

    /// <summary>Writes <paramref name="message"/> as one frame and returns the number of bytes written.</summary>
    public static int WriteFrame(IBufferWriter<byte> output, Message message)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        var span = output.GetSpan(PrefixSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(PrefixSize, size));
        output.Advance(PrefixSize + size);
        return PrefixSize + size;
    }

    /// <summary>Writes an already-encoded message as one frame and returns the number of bytes written.</summary>
    public static int WriteFrame(IBufferWriter<byte> output, ReadOnlySpan<byte> encodedMessage)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(PrefixSize + encodedMessage.Length);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)encodedMessage.Length);
        encodedMessage.CopyTo(span[PrefixSize..]);
        output.Advance(PrefixSize + encodedMessage.Length);
        return PrefixSize + encodedMessage.Length;
    }

    /// <summary>Decodes a frame payload as a <see cref="Message"/>; never throws.</summary>
    public static bool TryParseMessage(in ReadOnlySequence<byte> payload, out Message? message, out string? error)
    {
        try
        {
            message = Message.Parser.ParseFrom(payload);
            error = null;
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            message = null;
            error = ex.Message;
            return false;
        }
    }
}

/// <summary>Outcome of <see cref="GrpcFraming.TryReadFrame"/>.</summary>
public enum FrameStatus
{
    /// <summary>A whole frame was read.</summary>
    Complete = 0,

    /// <summary>More bytes are needed.</summary>
    Incomplete = 1,

    /// <summary>The declared length exceeds the limit (<see cref="SlimErrorCode.MessageTooLarge"/>).</summary>
    TooLarge = 2,

    /// <summary>The frame is compressed; no compression is negotiated on SLIM streams.</summary>
    CompressedNotSupported = 3,

    /// <summary>The flag byte is neither 0 nor 1.</summary>
    InvalidFlag = 4,
}
