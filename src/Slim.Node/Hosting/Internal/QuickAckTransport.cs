using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// Keeps a Linux TCP connection in quick-ACK mode: after every read from the socket the option is set again (the
/// kernel drops it on its own), so the node acknowledges every segment at once instead of up to 40 ms later.
/// </summary>
/// <remarks>
/// SLIM clients write small messages back to back (a MSG_ACK, then the reply). A client whose socket runs Nagle's
/// algorithm holds the second write until the first is acknowledged, and a delayed ACK from the node turns that into a
/// 40 ms stall per exchange. Acknowledging at once removes the stall without any change on the client.
/// </remarks>
internal static class QuickAckTransport
{
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;

    /// <summary>The connection middleware: wraps the transport of TCP connections on Linux, passes others through.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware { get; } = next => connection =>
    {
        if (OperatingSystem.IsLinux()
            && connection.Features.Get<IConnectionSocketFeature>()?.Socket is { ProtocolType: ProtocolType.Tcp } socket
            && Arm(socket))
        {
            connection.Transport = new Duplex(connection.Transport, socket);
        }

        return next(connection);
    };

    /// <summary>Sets TCP_QUICKACK on <paramref name="socket"/> (which also sends an ACK that is pending); false where it is not supported.</summary>
    internal static bool Arm(Socket socket)
    {
        try
        {
            socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    private sealed class Duplex(IDuplexPipe inner, Socket socket) : IDuplexPipe
    {
        public PipeReader Input { get; } = new Reader(inner.Input, socket);

        public PipeWriter Output => inner.Output;
    }

    private sealed class Reader(PipeReader inner, Socket socket) : PipeReader
    {
        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool TryRead(out ReadResult result)
        {
            var read = inner.TryRead(out result);
            if (read)
            {
                Arm(socket);
            }

            return read;
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var pending = inner.ReadAsync(cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                Arm(socket);
                return pending;
            }

            return AwaitAsync(pending);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> pending)
        {
            var result = await pending.ConfigureAwait(false);
            Arm(socket);
            return result;
        }
    }
}
