using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Slim.Protocol.Framing;

namespace Slim.Benchmarks.DataPlane;

/// <summary>
/// The prototype's relay, for comparison in the same run: frames are cut from the sender's stream and their bytes
/// forwarded unchanged through a bounded channel to the receiver's stream (no parse, no MAC, no routing).
/// </summary>
internal sealed class RawRelayBaseline : IAsyncDisposable
{
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(4096);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _read;
    private readonly Task _write;

    public RawRelayBaseline(PipeReader input, PipeWriter output)
    {
        _read = Task.Run(() => ReadAsync(input));
        _write = Task.Run(() => WriteAsync(output));
    }

    private async Task ReadAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_stop.Token);
                var buffer = result.Buffer;
                while (GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out var payload) == FrameStatus.Complete)
                {
                    var frame = ArrayPool<byte>.Shared.Rent((int)payload.Length + GrpcFraming.PrefixSize);
                    payload.CopyTo(frame.AsSpan(GrpcFraming.PrefixSize));
                    frame[0] = (byte)(payload.Length >> 24);
                    frame[1] = (byte)(payload.Length >> 16);
                    frame[2] = (byte)(payload.Length >> 8);
                    frame[3] = (byte)payload.Length;
                    _queue.Writer.TryWrite(frame);
                }

                input.AdvanceTo(buffer.Start, result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteAsync(PipeWriter output)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                while (_queue.Reader.TryRead(out var frame))
                {
                    var length = (frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3];
                    GrpcFraming.WriteFrame(output, frame.AsSpan(GrpcFraming.PrefixSize, length));
                    ArrayPool<byte>.Shared.Return(frame);
                }

                await output.FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_read, _write);
        _stop.Dispose();
    }
}
