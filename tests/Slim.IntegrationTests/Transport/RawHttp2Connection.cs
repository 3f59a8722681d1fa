using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slim.IntegrationTests.Transport;

/// <summary>
/// A deliberately minimal HTTP/2 client over a raw socket that writes frames and never reads: no SETTINGS ack, no
/// WINDOW_UPDATE, so the server may send at most the default 65,535-byte window to it.
/// </summary>
internal sealed class RawHttp2Connection : IAsyncDisposable
{
    private const byte Data = 0x0;
    private const byte Headers = 0x1;
    private const byte Settings = 0x4;
    private const byte EndHeaders = 0x4;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;

    private RawHttp2Connection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawHttp2Connection> OpenAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint, cancellationToken);
        var connection = new RawHttp2Connection(socket);
        await connection.SendAsync(Preface, cancellationToken);
        await connection.SendFrameAsync(Settings, 0, 0, [], cancellationToken);
        return connection;
    }

    /// <summary>Opens stream <paramref name="streamId"/> with a request whose header block is one HEADERS frame.</summary>
    public Task SendRequestHeadersAsync(int streamId, IEnumerable<(string Name, string Value)> headers, CancellationToken cancellationToken)
    {
        var block = new List<byte>();
        foreach (var (name, value) in headers)
        {
            // HPACK "literal header field without indexing, new name", no Huffman coding.
            block.Add(0x00);
            AppendString(block, name);
            AppendString(block, value);
        }

        return SendFrameAsync(Headers, EndHeaders, streamId, block.ToArray(), cancellationToken);
    }

    public Task SendDataAsync(int streamId, byte[] payload, CancellationToken cancellationToken) =>
        SendFrameAsync(Data, 0, streamId, payload, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendFrameAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        await SendAsync(frame, cancellationToken);
    }

    private async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    private static void AppendString(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);

        // HPACK integer with a 7-bit prefix (the H bit stays 0).
        var length = bytes.Length;
        if (length < 0x7F)
        {
            block.Add((byte)length);
        }
        else
        {
            block.Add(0x7F);
            length -= 0x7F;
            while (length >= 0x80)
            {
                block.Add((byte)((length & 0x7F) | 0x80));
                length >>= 7;
            }

            block.Add((byte)length);
        }

        block.AddRange(bytes);
    }
}
