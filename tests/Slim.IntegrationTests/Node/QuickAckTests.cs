using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Slim.Node.Hosting.Internal;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>
/// Why the server re-arms TCP_QUICKACK after each read: a client running Nagle's algorithm that writes twice in a row
/// (a MSG_ACK, then a reply) waits for the ACK of the first write; a delayed ACK makes that a 40 ms stall.
/// </summary>
public sealed class QuickAckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Acknowledging_at_once_removes_the_stall_of_a_nagle_client_writing_twice()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "TCP_QUICKACK is Linux-only");
        var delayed = await MedianExchangeAsync(quickAck: false);
        var quick = await MedianExchangeAsync(quickAck: true);

        // The first shows the stall the second avoids; both bounds leave room for a loaded machine.
        Assert.True(delayed >= TimeSpan.FromMilliseconds(30), $"without quick ACK the median exchange took {delayed.TotalMilliseconds:0.0} ms");
        Assert.True(quick < TimeSpan.FromMilliseconds(15), $"with quick ACK the median exchange took {quick.TotalMilliseconds:0.0} ms");
    }

    /// <summary>The client writes 1 byte twice (Nagle on) and waits for a 1-byte answer, 15 times; the median time.</summary>
    private static async Task<TimeSpan> MedianExchangeAsync(bool quickAck)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = false };
        await client.ConnectAsync(listener.LocalEndPoint!, Ct).WithTimeout();
        using var server = await listener.AcceptAsync(Ct).WithTimeout();
        server.NoDelay = true;

        const int exchanges = 15;
        var serving = Task.Run(
            async () =>
            {
                var buffer = new byte[16];
                for (var i = 0; i < exchanges; i++)
                {
                    var received = 0;
                    while (received < 2)
                    {
                        received += await server.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, Ct);
                        if (quickAck)
                        {
                            Assert.True(QuickAckTransport.Arm(server));
                        }
                    }

                    await server.SendAsync(new byte[] { 1 }, SocketFlags.None, Ct);
                }
            },
            Ct);

        var times = new List<TimeSpan>();
        var answer = new byte[1];
        for (var i = 0; i < exchanges; i++)
        {
            var clock = Stopwatch.StartNew();
            await client.SendAsync(new byte[] { 1 }, SocketFlags.None, Ct).WithTimeout();
            await client.SendAsync(new byte[] { 2 }, SocketFlags.None, Ct).WithTimeout();
            Assert.Equal(1, await client.ReceiveAsync(answer, SocketFlags.None, Ct).WithTimeout());
            times.Add(clock.Elapsed);
        }

        await serving.WithTimeout();
        return times.Order().ElementAt(exchanges / 2);
    }
}
