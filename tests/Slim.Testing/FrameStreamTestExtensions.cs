using System.Buffers;
using Slim.DataPlane.Transport;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Testing;

/// <summary>Reading and writing whole SLIM messages on a raw <see cref="IFrameStream"/> in tests.</summary>
public static class FrameStreamTestExtensions
{
    /// <summary>Frames and sends one message, then flushes.</summary>
    public static async Task WriteMessageAsync(this IFrameStream stream, Message message, CancellationToken cancellationToken = default)
    {
        GrpcFraming.WriteFrame(stream.Output, message);
        await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends raw bytes (a hand-made frame, or garbage), then flushes.</summary>
    public static async Task WriteRawAsync(this IFrameStream stream, byte[] bytes, CancellationToken cancellationToken = default)
    {
        await stream.Output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the next message's raw payload; null when the other end closed the stream.</summary>
    /// <exception cref="InvalidDataException">The next frame is not a valid gRPC frame.</exception>
    public static async Task<byte[]?> ReadPayloadAsync(this IFrameStream stream, CancellationToken cancellationToken = default)
    {
        var input = stream.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out var payload);
            if (status == FrameStatus.Complete)
            {
                var bytes = payload.ToArray();
                input.AdvanceTo(buffer.Start);
                return bytes;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (status != FrameStatus.Incomplete)
            {
                throw new InvalidDataException($"Invalid frame: {status}.");
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    /// <summary>Reads the next message; null when the other end closed the stream.</summary>
    public static async Task<Message?> ReadMessageAsync(this IFrameStream stream, CancellationToken cancellationToken = default)
    {
        var payload = await stream.ReadPayloadAsync(cancellationToken).ConfigureAwait(false);
        return payload is null ? null : Message.Parser.ParseFrom(payload);
    }
}
