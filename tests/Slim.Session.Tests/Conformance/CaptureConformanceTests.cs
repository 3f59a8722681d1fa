using System.Text;
using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal;
using Slim.Session.Tests.Fakes;
using Slim.Testing;
using Slim.Testing.Capture;

namespace Slim.Session.Tests.Conformance;

/// <summary>
/// Conformance against a real SLIM v2 group session (official <c>@agntcy/slim-bindings@2.0.0-alpha.5</c>, MLS off:
/// <c>realslim-capture/group-nomls.hex</c>, annotated in <c>reference/slim-v2-group-trace.md</c>). Our participant is fed
/// what the official moderator sent to client-1 / client-2 and must answer exactly as the official participants did;
/// our moderator is driven through the same scenario, fed the official participants' replies, and must send what the
/// official moderator sent.
/// </summary>
public sealed class CaptureConformanceTests
{
    /// <summary>The capture harness's shared secret (a throwaway test value, see realslim-capture/README.md).</summary>
    private const string HarnessSecret = "realslim-harness-shared-secret-0123456789abcdef";

    /// <summary>An app's instance id in the capture: the id of the own-name subscription it made when it connected.</summary>
    private static UInt128 AppId(string app) =>
        SlimName.FromWire(Capture().First(c => c.Record.App == app && c.Record.Direction == CaptureDirection.AppToNode &&
            c.Message.MessageTypeCase == Message.MessageTypeOneofCase.Subscribe).Message.Subscribe.Header.Destination).Id;

    private static IReadOnlyList<(CaptureRecord Record, Message Message)> Capture() =>
        CaptureFile.LoadShared(CaptureFile.GroupNoMls).Select(r => (r, Message.Parser.ParseFrom(r.Bytes))).ToList();

    /// <summary>A layer for one of the capture's apps, at the capture's time, accepting its tokens.</summary>
    private static (SessionLayer Layer, RecordingTransport Transport, WorkTracker Tracker, ManualTimeProvider Time, TestIdentity Identity) LayerFor(
        string app, string? identitySuffix = null)
    {
        var first = Capture().First(c => c.Message.Publish?.Header?.Identity is { Length: > 0 } id && c.Record.App == "moderator").Message;
        var issued = long.Parse(first.Publish.Header.Identity.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(issued));
        var identity = new TestIdentity($"org/ns/{app}", HarnessSecret, time, identitySuffix);
        var transport = new RecordingTransport();
        var tracker = new WorkTracker();
        var name = new SlimName("org", "ns", app, AppId(app));
        var layer = new SessionLayer(
            name, transport, identity, new TestVerifier(HarnessSecret, time), SessionLayerOptions.Default with { MeterFactory = new TestMeterFactory() },
            time, new RecordingLoggerFactory(app), tracker);
        return (layer, transport, tracker, time, identity);
    }

    [Theory]
    [InlineData("client-1")]
    [InlineData("client-2")]
    public async Task Our_participant_answers_the_official_moderator_like_the_official_participant(string app)
    {
        var capture = Capture();
        var (layer, transport, tracker, _, _) = LayerFor(app);
        await using var _ = layer;
        var expected = new List<Message>();
        var compared = 0;
        SessionHandle? session = null;
        var started = false;

        async Task CompareAsync()
        {
            await tracker.WhenIdleAsync().WithTimeout();
            var ours = transport.Sent.Skip(compared).ToList();
            Assert.True(
                expected.Count == ours.Count,
                $"expected {expected.Count} messages, sent {ours.Count}:\n{string.Join("\n", ours.Select(Describe))}\nofficial:\n{string.Join("\n", expected.Select(Describe))}");
            for (var i = 0; i < expected.Count; i++)
            {
                AssertSameAsOfficial(expected[i], ours[i], messageIdMap: null);
            }

            compared += ours.Count;
            expected.Clear();
        }

        foreach (var (record, message) in capture.Where(c => c.Record.App == app))
        {
            var isPublish = message.MessageTypeCase == Message.MessageTypeOneofCase.Publish;
            if (!started && !(isPublish && record.Direction == CaptureDirection.NodeToApp))
            {
                continue; // connection setup: link negotiation, the app's own-name subscription
            }

            started = true;
            if (record.Direction == CaptureDirection.NodeToApp)
            {
                if (!isPublish)
                {
                    continue; // subscription acks: the transport's business
                }

                await CompareAsync();
                await layer.OnMessageAsync(message.Clone()).WithTimeout();
                await tracker.WhenIdleAsync().WithTimeout();
                if (session is null && layer.Sessions.Count > 0 && message.GetSessionMessageType() == SessionMessageType.GroupWelcome)
                {
                    session = await layer.ListenForSessionAsync().WithTimeout();
                }

                continue;
            }

            if (isPublish && message.GetSessionMessageType() == SessionMessageType.Msg)
            {
                // The official app published here: so does ours.
                await CompareAsync();
                var payload = message.Publish.Msg.AppPayload;
                await session!.PublishAsync(payload.Blob.Memory, payload.PayloadType, message.Metadata).WithTimeout();
            }

            expected.Add(message);
        }

        await CompareAsync();

        // client-1: discovery reply, join reply, 2 subscriptions, welcome ack, ADD ack, MSG_ACK, its MSG, REMOVE ack,
        // close ack, 2 unsubscriptions. client-2: no ADD, two MSG_ACKs, and a leave reply instead of the close ack.
        Assert.Equal(app == "client-1" ? 12 : 11, compared);
        Assert.NotNull(session);
        Assert.Equal(SessionState.Closed, session.State);
        Assert.Equal(app == "client-1" ? SessionCloseReason.ClosedByModerator : SessionCloseReason.Removed, await session.Completion.WithTimeout());

        // The moderator's message reached our app with its payload type and metadata.
        var received = new List<SessionMessage>();
        while (session.TryGetMessage(out var m))
        {
            received.Add(m);
        }

        var fromModerator = Assert.Single(received, m => m.Source.Service == "moderator");
        Assert.Equal("hello from moderator", Encoding.UTF8.GetString(fromModerator.Payload.Span));
        Assert.Equal("text/plain", fromModerator.PayloadType);
        Assert.Equal("v1", fromModerator.Metadata["k1"]);
        if (app == "client-2")
        {
            Assert.Equal("hello from client-1", Encoding.UTF8.GetString(Assert.Single(received, m => m.Source.Service == "client-1").Payload.Span));
        }
    }

    [Fact]
    public async Task Our_moderator_sends_what_the_official_moderator_sent_when_fed_the_official_replies()
    {
        var capture = Capture();
        var officialToken = capture.First(c => c.Record.App == "moderator" && c.Message.Publish?.Header?.Identity is { Length: > 0 }).Message.Publish.Header.Identity;
        var tokenId = officialToken.Split(':')[0];
        var (layer, transport, tracker, _, identity) = LayerFor("moderator", identitySuffix: tokenId[(tokenId.LastIndexOf('_') + 1)..]);
        await using var _ = layer;
        Assert.Equal(tokenId, identity.Id);

        var session = await layer.CreateSessionAsync(SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 5), SlimName.Parse("org/ns/chat")).WithTimeout();
        var officialSessionId = capture.First(c => c.Record.App == "moderator" && c.Message.Publish?.Session is not null).Message.Publish.Session.SessionId;
        var ids = new Dictionary<uint, uint> { [1] = 1 };
        var tasks = new List<Task>();
        var compared = 0;

        async Task CompareNextAsync(Message official)
        {
            await tracker.WhenIdleAsync().WithTimeout();
            var ours = transport.Sent;
            Assert.True(ours.Count > compared, $"ours sent nothing matching {Describe(official)}; so far:\n{string.Join("\n", ours.Select(Describe))}");
            var mine = ours[compared++];
            AssertSameAsOfficial(official, mine, ids);
            if (official.Publish?.Session is { } header && !ids.ContainsKey(header.MessageId))
            {
                ids[header.MessageId] = mine.Publish.Session.MessageId;
            }
        }

        var started = false;
        foreach (var (record, message) in capture.Where(c => c.Record.App == "moderator"))
        {
            var isPublish = message.MessageTypeCase == Message.MessageTypeOneofCase.Publish;
            if (!started && !(isPublish && record.Direction == CaptureDirection.AppToNode))
            {
                continue;
            }

            started = true;
            if (record.Direction == CaptureDirection.NodeToApp)
            {
                if (!isPublish)
                {
                    continue;
                }

                // A reply or message from an official participant: addressed to our session and our request ids.
                var fed = message.Clone();
                fed.Publish.Session.SessionId = session.Id;
                if (ids.TryGetValue(fed.Publish.Session.MessageId, out var mapped))
                {
                    fed.Publish.Session.MessageId = mapped;
                }

                await layer.OnMessageAsync(fed).WithTimeout();
                await tracker.WhenIdleAsync().WithTimeout();
                continue;
            }

            // The app actions of the scenario start where the official moderator's first message of each phase is.
            var type = message.GetSessionMessageType();
            var command = isPublish ? message.Publish.Msg.CommandPayload : null;
            if (type == SessionMessageType.DiscoveryRequest)
            {
                tasks.Add(session.InviteAsync(SlimName.FromWire(message.Publish.Header.Destination)));
            }
            else if (type == SessionMessageType.Msg)
            {
                var payload = message.Publish.Msg.AppPayload;
                tasks.Add(session.PublishAsync(payload.Blob.Memory, payload.PayloadType, message.Metadata).AsTask());
            }
            else if (type == SessionMessageType.GroupUpdate && command!.GroupUpdate.Op == GroupUpdateOp.Remove)
            {
                tasks.Add(session.RemoveAsync(SlimName.FromWire(command.GroupUpdate.Participant.Name).WithoutId()));
            }
            else if (type == SessionMessageType.GroupClose)
            {
                tasks.Add(session.CloseAsync());
            }

            await CompareNextAsync(message);
        }

        await tracker.WhenIdleAsync().WithTimeout();
        Assert.Equal(compared, transport.Sent.Count);
        Assert.Equal(16, compared);
        await Task.WhenAll(tasks).WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedLocally, await session.Completion.WithTimeout());
        Assert.NotEqual(0u, officialSessionId);

        // The official participant's message reached our app.
        Assert.True(session.TryGetMessage(out var fromClient));
        Assert.Equal("hello from client-1", Encoding.UTF8.GetString(fromClient.Payload.Span));
    }

    /// <summary>
    /// Compares one of our messages with the official one: kind, names, fanout, signature presence, session header and
    /// payload. Tokens, signatures, MACs and link-local fields differ by nature; participant lists are unordered; request
    /// ids are random (mapped through <paramref name="messageIdMap"/> when given).
    /// </summary>
    private static void AssertSameAsOfficial(Message official, Message ours, Dictionary<uint, uint>? messageIdMap)
    {
        var context = $"\nofficial: {Describe(official)}\nours:     {Describe(ours)}";
        Assert.True(official.MessageTypeCase == ours.MessageTypeCase, "message kind" + context);
        var officialHeader = official.GetSlimHeader()!;
        var ourHeader = ours.GetSlimHeader()!;
        Assert.True(officialHeader.Source.Equals(ourHeader.Source), "source" + context);
        Assert.True(officialHeader.Destination.Equals(ourHeader.Destination), "destination" + context);
        Assert.True(officialHeader.Fanout == ourHeader.Fanout, "fanout" + context);
        if (official.MessageTypeCase != Message.MessageTypeOneofCase.Publish)
        {
            return;
        }

        Assert.Equal(officialHeader.Ttl + (officialHeader.Ttl == 7 ? 1u : 0u), ourHeader.Ttl);
        Assert.Equal(officialHeader.Version, ourHeader.Version);
        Assert.True(officialHeader.HasE2EHeaderSig == ourHeader.HasE2EHeaderSig, "e2e signature presence" + context);
        Assert.False(string.IsNullOrEmpty(ourHeader.Identity));
        var officialSession = official.Publish.Session;
        var ourSession = ours.Publish.Session;
        Assert.True(officialSession.SessionType == ourSession.SessionType && officialSession.SessionMessageType == ourSession.SessionMessageType, "session header" + context);
        if (messageIdMap is null)
        {
            Assert.True(officialSession.SessionId == ourSession.SessionId && officialSession.MessageId == ourSession.MessageId, "ids" + context);
        }
        else if (messageIdMap.TryGetValue(officialSession.MessageId, out var mapped))
        {
            Assert.True(mapped == ourSession.MessageId, "message id" + context);
        }

        Assert.Equal(official.Metadata, ours.Metadata);
        Assert.True(Normalize(official.Publish.Msg).Equals(Normalize(ours.Publish.Msg)), "payload" + context + $"\n{official.Publish.Msg}\n{ours.Publish.Msg}");
    }

    /// <summary>Sorts the (unordered) participant lists so payloads compare by content.</summary>
    private static Content Normalize(Content content)
    {
        var copy = content.Clone();
        var command = copy.CommandPayload;
        if (command is null)
        {
            return copy;
        }

        static void Sort<T>(Google.Protobuf.Collections.RepeatedField<T> items)
            where T : IMessage
        {
            var sorted = items.OrderBy(i => Convert.ToHexString(i.ToByteArray())).ToList();
            items.Clear();
            items.Add(sorted);
        }

        if (command.GroupWelcome is { } welcome)
        {
            Sort(welcome.Participants);
        }

        if (command.GroupUpdate is { } update)
        {
            Sort(update.Participants);
        }

        if (command.GroupClose is { } close)
        {
            Sort(close.Participants);
        }

        return copy;
    }

    private static string Describe(Message m) => m.MessageTypeCase == Message.MessageTypeOneofCase.Publish
        ? $"{m.GetSessionMessageType()} #{m.Publish.Session.MessageId} {SlimName.FromWire(m.Publish.Header.Source)} -> {SlimName.FromWire(m.Publish.Header.Destination)} fanout {m.Publish.Header.Fanout}"
        : $"{m.MessageTypeCase} {SlimName.FromWire(m.GetSlimHeader()!.Destination)}";
}
