using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Slim.Protocol.Framing;

namespace Slim.IntegrationTests.Transport;

/// <summary>gRPC-framed test payloads: the transport moves bytes only, so payloads need not be protobuf.</summary>
internal static class Frames
{
    public const int MaxFrame = 8 * 1024 * 1024;

    /// <summary>A payload of <paramref name="size"/> bytes whose first 4 bytes hold <paramref name="sequence"/>.</summary>
    public static byte[] Numbered(int sequence, int size = 32)
    {
        var payload = new byte[Math.Max(size, 4)];
        BinaryPrimitives.WriteInt32BigEndian(payload, sequence);
        for (var i = 4; i < payload.Length; i++)
        {
            payload[i] = (byte)(sequence + i);
        }

        return payload;
    }

    public static int SequenceOf(byte[] payload) => BinaryPrimitives.ReadInt32BigEndian(payload);

    public static void Write(PipeWriter writer, ReadOnlySpan<byte> payload) => GrpcFraming.WriteFrame(writer, payload);

    public static async Task WriteAndFlushAsync(PipeWriter writer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        GrpcFraming.WriteFrame(writer, payload.Span);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one frame's payload, or null when the stream ended cleanly between frames.</summary>
    public static async Task<byte[]?> ReadAsync(PipeReader reader, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var status = GrpcFraming.TryReadFrame(ref buffer, MaxFrame, out var payload);
            if (status == FrameStatus.Complete)
            {
                var bytes = payload.ToArray();
                reader.AdvanceTo(buffer.Start);
                return bytes;
            }

            if (status != FrameStatus.Incomplete)
            {
                throw new InvalidDataException($"bad frame: {status}");
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw new InvalidDataException("the stream ended inside a frame");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Copies every byte of <paramref name="input"/> to <paramref name="output"/>, flushing after each read.</summary>
    public static async Task EchoAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            var flush = await output.FlushAsync(cancellationToken);
            if (result.IsCompleted || flush.IsCompleted)
            {
                return;
            }
        }
    }
}
