using System.Diagnostics.Metrics;
using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

/// <summary>Peer input that must be dropped with a log and a metric, never processed and never thrown.</summary>
public sealed class BadInputTests
{
    private static readonly TimerSettings Timers = new() { Timeout = 1000, MaxRetries = 5 };

    private static async Task<List<SentRecord>> FeedAsync(SessionTestNetwork net, TestApp app, Message message)
    {
        var before = net.Router.Sent.Count;
        await app.Layer.OnMessageAsync(message).WithTimeout();
        await net.SettleAsync();
        return net.Router.Sent.Skip(before).ToList();
    }

    private static long Dropped(MeterSnapshot meter, string reason) => meter.Sum("slim.session.messages.dropped", "slim.session.drop_reason", reason);

    [Fact]
    public async Task Discovery_is_answered_only_with_a_valid_token_and_signature_for_a_subscribed_name()
    {
        await using var net = new SessionTestNetwork();
        var bob = net.AddApp("org/ns/bob");
        using var meter = new MeterSnapshot(bob.Layer);
        using var mallory = new TestIdentity("org/ns/mallory", SessionTestNetwork.Secret, net.Time);
        var malloryName = SlimName.Parse("org/ns/mallory").WithId(7);
        Message Discovery(SlimName to, uint id) => Craft.Command(mallory, malloryName, to, SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 5, id, Craft.DiscoveryRequest());

        var valid = await FeedAsync(net, bob, Discovery(bob.Prefix, 1));
        var reply = Assert.Single(valid);
        Assert.Equal(SessionMessageType.DiscoveryReply, reply.Type);
        Assert.Equal(bob.Name, SlimName.FromWire(reply.Message.Publish.Header.Source));
        Assert.Equal(malloryName, reply.Destination);
        Assert.Equal(1u, reply.MessageId);
        Assert.Equal(5u, reply.Message.Publish.Session.SessionId);

        mallory.SignWithWrongKey = true;
        Assert.Empty(await FeedAsync(net, bob, Discovery(bob.Prefix, 2)));
        mallory.SignWithWrongKey = false;

        mallory.TokenAge = TimeSpan.FromHours(2);
        Assert.Empty(await FeedAsync(net, bob, Discovery(bob.Prefix, 3)));
        mallory.TokenAge = TimeSpan.Zero;

        var unsigned = Craft.Command(null, malloryName, bob.Prefix, SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 5, 4, Craft.DiscoveryRequest());
        unsigned.Publish.Header.Identity = mallory.GetToken();
        Assert.Empty(await FeedAsync(net, bob, unsigned));

        using var outsider = new TestIdentity("org/ns/mallory", "a-different-secret-that-is-long-enough-0123", net.Time);
        Assert.Empty(await FeedAsync(net, bob, Craft.Command(outsider, malloryName, bob.Prefix, SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 5, 5, Craft.DiscoveryRequest())));

        Assert.Empty(await FeedAsync(net, bob, Discovery(SlimName.Parse("org/ns/not-bob"), 6)));
        Assert.Equal(4, Dropped(meter, "bad_identity"));
        Assert.Equal(1, Dropped(meter, "not_local_name"));

        // A name the app added is answered for.
        bob.Layer.AddLocalName(SlimName.Parse("org/ns/bob-alias"));
        Assert.Single(await FeedAsync(net, bob, Discovery(SlimName.Parse("org/ns/bob-alias"), 7)));
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Join_requests_are_validated_before_a_session_is_created()
    {
        await using var net = new SessionTestNetwork();
        var bob = net.AddApp("org/ns/bob");
        using var meter = new MeterSnapshot(bob.Layer);
        using var mod = new TestIdentity("org/ns/mod", SessionTestNetwork.Secret, net.Time);
        var modName = SlimName.Parse("org/ns/mod").WithId(9);
        var channel = SlimName.Parse("org/ns/chat");
        Message Join(uint sessionId, SessionType type, CommandPayload payload) =>
            Craft.Command(mod, modName, bob.Name, type, SessionMessageType.JoinRequest, sessionId, 11, payload);

        Assert.Empty(await FeedAsync(net, bob, Join(uint.MaxValue - 10, SessionType.PointToPoint, Craft.JoinRequest(null))));
        Assert.Empty(await FeedAsync(net, bob, Join(20, SessionType.Multicast, Craft.JoinRequest(null, channel.WithId(1), channel.WithId(2)))));
        Assert.Empty(await FeedAsync(net, bob, Join(21, SessionType.Multicast, Craft.JoinRequest(Timers, channel.WithId(1), null))));
        Assert.Empty(await FeedAsync(net, bob, Join(22, SessionType.Multicast, Craft.JoinRequest(Timers, channel.WithId(1), channel.WithId(1)))));
        Assert.Empty(await FeedAsync(net, bob, Join(23, SessionType.Unspecified, Craft.JoinRequest(null))));
        Assert.Empty(await FeedAsync(net, bob, Join(24, SessionType.PointToPoint, Craft.DiscoveryRequest())));
        Assert.Empty(await FeedAsync(net, bob, Join(25, SessionType.PointToPoint, Craft.JoinRequest(null, mls: new MlsSettings()))));
        Assert.Empty(bob.Layer.Sessions);
        Assert.Equal(1, Dropped(meter, "session_id_out_of_range"));
        Assert.Equal(1, Dropped(meter, "missing_timer_settings"));
        Assert.Equal(1, Dropped(meter, "group_security_unavailable"));

        // And a valid one is answered.
        var ok = await FeedAsync(net, bob, Join(30, SessionType.Multicast, Craft.JoinRequest(Timers, channel.WithId(1), channel.WithId(2))));
        var reply = Assert.Single(ok);
        Assert.Equal(SessionMessageType.JoinReply, reply.Type);
        var participant = reply.Message.Publish.Msg.CommandPayload.JoinReply.Participant;
        Assert.Equal(bob.Name, SlimName.FromWire(participant.Name));
        Assert.True(participant.Settings.SendsData && participant.Settings.ReceivesData);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Messages_for_unknown_sessions_from_non_members_or_with_garbage_are_dropped()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];
        using var meter = new MeterSnapshot(c1.Layer);
        var stranger = SlimName.Parse("org/ns/stranger").WithId(3);
        var data = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Channel);

        Assert.Empty(await FeedAsync(net, c1, Craft.Data(moderator.Name, c1.Name, SessionType.Multicast, SessionMessageType.Msg, 12345, 1, [1])));
        Assert.Equal(1, Dropped(meter, "unknown_session"));

        Assert.Empty(await FeedAsync(net, c1, Craft.Data(stranger, data, SessionType.Multicast, SessionMessageType.Msg, session.Id, 1, [1], 256)));
        Assert.False(s1.TryGetMessage(out _));
        Assert.Equal(1, Dropped(meter, "not_member"));

        // Control messages only the moderator may send.
        using var strangerIdentity = new TestIdentity("org/ns/stranger", SessionTestNetwork.Secret, net.Time);
        var close = Craft.Command(strangerIdentity, stranger, c1.Name, SessionType.Multicast, SessionMessageType.GroupClose, session.Id, 99, new CommandPayload { GroupClose = new GroupClosePayload() });
        Assert.Empty(await FeedAsync(net, c1, close));
        Assert.Equal(SessionState.Active, s1.State);

        // Our own broadcast coming back is ignored quietly (no drop, no warning).
        var warnings = net.LogsAtLeast(Microsoft.Extensions.Logging.LogLevel.Warning).Count;
        Assert.Empty(await FeedAsync(net, c1, Craft.Data(c1.Name, data, SessionType.Multicast, SessionMessageType.Msg, session.Id, 1, [1], 256)));
        Assert.Equal(warnings, net.LogsAtLeast(Microsoft.Extensions.Logging.LogLevel.Warning).Count);

        // Wrong session type, empty payloads, no message type at all.
        Assert.Empty(await FeedAsync(net, c1, Craft.Data(moderator.Name, data, SessionType.PointToPoint, SessionMessageType.Msg, session.Id, 2, [1], 256)));
        var empty = Craft.Data(moderator.Name, data, SessionType.Multicast, SessionMessageType.GroupUpdate, session.Id, 3, [1], 256);
        Assert.Empty(await FeedAsync(net, c1, empty));
        Assert.Empty(await FeedAsync(net, c1, new Message()));
        Assert.Empty(await FeedAsync(net, c1, new Message { Publish = new Publish() }));
        Assert.Equal(SessionState.Active, s1.State);
        net.AssertNoErrors();
    }

    [Fact]
    public async Task A_replayed_control_message_is_answered_again_but_never_processed_twice()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];
        var control = SlimName.FromWire(net.Router.Sent.First(r => r.Type == SessionMessageType.JoinRequest).Message.Publish.Msg.CommandPayload.JoinRequest.Control);
        Message Add(string who) => Craft.Command(
            moderator.Identity, moderator.Name, control, SessionType.Multicast, SessionMessageType.GroupUpdate, session.Id, 900,
            new CommandPayload
            {
                GroupUpdate = new GroupUpdatePayload
                {
                    Op = GroupUpdateOp.Add,
                    Participant = new Participant { Name = SlimName.Parse($"org/ns/{who}").WithId(5).ToWire() },
                },
            },
            fanout: 256);

        var first = await FeedAsync(net, c1, Add("bob"));
        Assert.Equal(SessionMessageType.GroupAck, Assert.Single(first).Type);
        Assert.Contains(s1.Participants, p => p.Name.Service == "bob");

        // Same id again, other content: the cached ack is sent again, the content is not applied.
        var replay = await FeedAsync(net, c1, Add("eve"));
        var ack = Assert.Single(replay);
        Assert.Equal(first[0].Message.Publish.Session, ack.Message.Publish.Session);
        Assert.DoesNotContain(s1.Participants, p => p.Name.Service == "eve");
        net.AssertNoErrors();
    }

    [Fact]
    public async Task Random_messages_never_throw_nor_crash_a_loop()
    {
        await using var net = new SessionTestNetwork();
        var (moderator, session, members) = await GroupSessionTests.CreateGroupAsync(net, 1);
        var (c1, s1) = members[0];
        var random = new Random(7);
        var templates = net.Router.Sent.Where(r => r.IsPublish).Select(r => r.Message.ToByteArray()).ToList();
        for (var i = 0; i < 500; i++)
        {
            // Mutate real messages (keeps most of them parseable) or make up bytes.
            var bytes = i % 5 == 0 ? new byte[random.Next(0, 200)] : (byte[])templates[random.Next(templates.Count)].Clone();
            if (i % 5 == 0)
            {
                random.NextBytes(bytes);
            }
            else
            {
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                }
            }

            if (WireMessage.TryParse(bytes, out var message, out _))
            {
                if (message!.Publish?.Session is { } header)
                {
                    header.SessionId = i % 2 == 0 ? session.Id : header.SessionId;
                }

                await c1.Layer.OnMessageAsync(message).WithTimeout();
                await moderator.Layer.OnMessageAsync(message).WithTimeout();
            }
        }

        await net.SettleAsync();
        net.AssertNoErrors();
        Assert.Equal(SessionState.Active, s1.State);
    }
}

/// <summary>Sums the layer's counters (its own meter instance, so parallel tests do not interfere).</summary>
internal sealed class MeterSnapshot : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

    public MeterSnapshot(SessionLayer layer)
    {
        var meter = layer.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_measurements)
            {
                _measurements.Add((instrument.Name, value, tags.ToArray()));
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument, string? tag = null, string? value = null)
    {
        lock (_measurements)
        {
            return _measurements
                .Where(m => m.Name == instrument && (tag is null || m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))))
                .Sum(m => m.Value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
