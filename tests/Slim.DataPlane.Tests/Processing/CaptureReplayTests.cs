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
        public List<(byte[] Raw, Message Message)> Unmatched { get; } = [];

        public async Task<Message> ReceiveMatchingAsync(Message expected)
        {
            for (var reads = 0; ; reads++)
            {
                var index = Unmatched.FindIndex(m => Matches(m.Raw, m.Message, expected));
                if (index >= 0)
                {
                    var match = Unmatched[index].Message;
                    Unmatched.RemoveAt(index);
                    return match;
                }

                Assert.True(reads < 8, "The processor delivered something the official node did not: " + string.Join(" | ", Unmatched.Select(m => m.Message)));
                var raw = await Peer.ReceiveRawAsync();
                var message = Message.Parser.ParseFrom(raw);
                if (message.GetSlimHeader() is { } header)
                {
                    Assert.True(Peer.Verify(header), "bad header MAC from the processor");
                }

                Unmatched.Add((raw, message));
            }
        }

        // The exact bytes received must be the captured message with our two link-local values (MAC, incoming_conn).
        private static bool Matches(byte[] raw, Message received, Message expected)
        {
            var copy = expected.Clone();
            if (copy.GetSlimHeader() is { } header && received.GetSlimHeader() is { } ours)
            {
                header.IncomingConn = ours.IncomingConn;
                header.HeaderMac = ours.HeaderMac;
            }

            return copy.ToByteArray().AsSpan().SequenceEqual(raw);
        }
    }
}
