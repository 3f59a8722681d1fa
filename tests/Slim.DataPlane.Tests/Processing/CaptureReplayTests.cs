using Google.Protobuf;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol.Wire;
using Slim.Testing.Capture;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>
/// Replays what three official SLIM apps sent to an official node (the captures in <c>realslim-capture/</c>) through
/// our processor, and checks that every app receives exactly what the official node delivered: the same messages,
/// byte for byte, apart from the per-link header MAC and the <c>incoming_conn</c> value (which names our own
/// connection ids); ttl included.
/// </summary>
public sealed class CaptureReplayTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CaptureFile.GroupNoMls)]
    [InlineData(CaptureFile.GroupMls)]
    public async Task The_processor_delivers_what_the_official_node_delivered(string file)
    {
        var records = CaptureFile.LoadShared(file);
        var log = new TestLog(output);
        await using var node = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(node.Meter);

        var apps = new Dictionary<string, ReplayApp>();
        foreach (var name in records.Select(r => r.App).Distinct())
        {
            var peer = await TestPeer.ConnectAsync(node);
            var id = node.GetConnections().Single(c => c.LinkId == peer.LinkId).Id;
            apps[name] = new ReplayApp(peer, id);
        }

        var delivered = 0;
        foreach (var record in records)
        {
            var captured = Message.Parser.ParseFrom(record.Bytes);
            Assert.Equal(record.Bytes, captured.ToByteArray());
            if (captured.MessageTypeCase == Message.MessageTypeOneofCase.Link)
            {
                continue;
            }

            var app = apps[record.App];
            if (record.Direction == CaptureDirection.AppToNode)
            {
                await app.Peer.SendAsync(captured);
                continue;
            }

            var received = await app.ReceiveMatchingAsync(captured);
            if (received.GetSlimHeader() is { } header)
            {
                var sender = apps[SenderApp(header)];
                Assert.Equal(sender.ConnectionId, header.IncomingConn);
            }

            delivered++;
        }

        // Nothing else was delivered: after a barrier, every app's next message is the barrier's own ack.
        foreach (var app in apps.Values)
        {
            Assert.Empty(app.Unmatched);
            await app.Peer.BarrierAsync();
        }

        Assert.True(delivered > 40, $"only {delivered} deliveries replayed");
        Assert.Equal(0, metrics.Get("slim.dataplane.messages.dropped"));
        log.AssertNoErrors();
        foreach (var app in apps.Values)
        {
            await app.Peer.DisposeAsync();
        }
    }

    // Every message in these captures is sent by the app named in its source's third component.
    private static string SenderApp(SLIMHeader header) => header.Source.StrName.StrComponent2;

    private sealed class ReplayApp(TestPeer peer, ulong connectionId)
    {
        public TestPeer Peer { get; } = peer;

        public ulong ConnectionId { get; } = connectionId;

        /// <summary>Received but not yet matched: deliveries caused by different senders may arrive in either order.</summary>
        public List<Message> Unmatched { get; } = [];

        public async Task<Message> ReceiveMatchingAsync(Message expected)
        {
            var expectedBytes = expected.ToByteArray();
            for (var reads = 0; ; reads++)
            {
                var index = Unmatched.FindIndex(m => Normalize(m, expected).SequenceEqual(expectedBytes));
                if (index >= 0)
                {
                    var match = Unmatched[index];
                    Unmatched.RemoveAt(index);
                    return match;
                }

                Assert.True(reads < 8, "The processor delivered something the official node did not: " + string.Join(" | ", Unmatched));
                Unmatched.Add(await Peer.ReceiveAsync());
            }
        }

        // The received message with the two link-local values of the captured one (MAC and incoming_conn).
        private static byte[] Normalize(Message received, Message expected)
        {
            var copy = received.Clone();
            if (copy.GetSlimHeader() is { } header && expected.GetSlimHeader() is { } original)
            {
                header.IncomingConn = original.IncomingConn;
                if (!original.HasIncomingConn)
                {
                    header.ClearIncomingConn();
                }

                header.HeaderMac = original.HeaderMac;
                if (!original.HasHeaderMac)
                {
                    header.ClearHeaderMac();
                }
            }

            return copy.ToByteArray();
        }
    }
}
