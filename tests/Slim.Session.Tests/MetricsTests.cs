using System.Text;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_meter_counts_sessions_messages_acks_retransmissions_and_losses()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        using var aliceMeter = new MeterSnapshot(alice.Layer);
        using var bobMeter = new MeterSnapshot(bob.Layer);

        var session = await net.RunAsync(alice.Layer.CreateSessionAsync(SessionConfig.ForPointToPoint(TimeSpan.FromSeconds(1), 2), bob.Prefix));
        var bobSession = await bob.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal(1, aliceMeter.Sum("slim.session.sessions.created", "slim.session.role", "moderator"));
        Assert.Equal(1, bobMeter.Sum("slim.session.sessions.created", "slim.session.role", "participant"));
        Assert.Equal(1, aliceMeter.Sum("slim.session.sessions.active"));

        // One message acked at once, one retransmitted once.
        net.Router.DropNext(m => m.Publish?.Session?.MessageId == 2 && m.Publish.Session.SessionMessageType == Slim.Protocol.Wire.SessionMessageType.Msg);
        await session.PublishAsync(Encoding.UTF8.GetBytes("a")).WithTimeout();
        await session.PublishAsync(Encoding.UTF8.GetBytes("b")).WithTimeout();
        await net.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(3, aliceMeter.Sum("slim.session.messages.sent", "slim.session.message_type", "msg"));
        Assert.Equal(1, aliceMeter.Sum("slim.session.messages.retransmitted", "slim.session.message_type", "msg"));
        Assert.Equal(2, bobMeter.Sum("slim.session.messages.received", "slim.session.message_type", "msg"));
        Assert.Equal(2, bobMeter.Sum("slim.session.acks.sent"));
        Assert.Equal(2, aliceMeter.Sum("slim.session.acks.received"));

        // A message bob can never get is counted as lost on his side.
        net.Router.DropNext(m => m.Publish?.Session?.MessageId == 3, count: 100);
        await session.PublishAsync(Encoding.UTF8.GetBytes("c")).WithTimeout();
        await session.PublishAsync(Encoding.UTF8.GetBytes("d")).WithTimeout();
        await net.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, bobMeter.Sum("slim.session.messages.lost"));

        await net.RunAsync(session.CloseAsync());
        Assert.Equal(0, aliceMeter.Sum("slim.session.sessions.active"));
        Assert.Equal(1, bobMeter.Sum("slim.session.sessions.closed"));
    }
}
