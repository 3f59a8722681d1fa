using Google.Protobuf;
using Slim.Protocol.Wire;
using Slim.Testing;
using Slim.Testing.Capture;

namespace Slim.Protocol.Tests.Capture;

/// <summary>
/// Golden tests over the real SLIM v2 captures (../shared/realslim-capture, annotated in
/// ../shared/reference/slim-v2-group-trace.md).
/// </summary>
public sealed class CaptureGoldenTests
{
    public static TheoryData<string> Captures => new() { CaptureFile.GroupMls, CaptureFile.GroupNoMls };

    /// <summary>App instance ids from the trace (app.id() of each app).</summary>
    private static readonly Dictionary<string, string> AppIds = new()
    {
        ["moderator"] = "8afcd5e9-c4a1-0dd7-8d53-dd6d1ce2eaf2",
        ["client-1"] = "a67b97c6-db94-33cf-bd9a-aaa92ca2c03a",
        ["client-2"] = "9ade5495-d159-930e-f1ba-e0db5567453e",
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_message_parses_and_re_encodes_to_identical_bytes(string file)
    {
        var records = CaptureFile.LoadShared(file);
        Assert.Equal(93, records.Count);
        foreach (var record in records)
        {
            var message = Message.Parser.ParseFrom(record.Bytes);
            Assert.True(
                record.Bytes.AsSpan().SequenceEqual(message.ToByteArray()),
                $"#{record.Index} re-encodes differently: {Hex.Encode(message.ToByteArray())}");
            Assert.Equal(record.Bytes.Length, message.CalculateSize());

            Assert.True(WireMessage.TryParse(record.Bytes, out var viaHelper, out var error), error);
            Assert.Equal(message, viaHelper);
            Assert.True(WireMessage.TryValidate(message, out error), $"#{record.Index}: {error}");
        }
    }

    [Fact]
    public void Indices_are_sequential_and_directions_are_known()
    {
        var records = CaptureFile.LoadShared(CaptureFile.GroupMls);
        Assert.Equal(Enumerable.Range(0, records.Count), records.Select(r => r.Index));
        Assert.All(records, r => Assert.Contains(r.App, AppIds.Keys));
        Assert.Equal(records.OrderBy(r => r.TimeMs).Select(r => r.Index), records.Select(r => r.Index));
    }

    /// <summary>Message counts by type as listed in slim-v2-group-trace.md ("Message counts (93 gRPC messages)").</summary>
    [Theory]
    [MemberData(nameof(Captures))]
    public void Message_counts_by_type_match_the_trace(string file)
    {
        // Both captures ran the same scenario; only MLS differs, which does not change the message sequence.
        var expected = new Dictionary<string, int>
        {
            ["link"] = 6,
            ["subscribe"] = 9,
            ["subscription_ack"] = 15,
            ["DiscoveryRequest"] = 4,
            ["DiscoveryReply"] = 4,
            ["JoinRequest"] = 4,
            ["JoinReply"] = 4,
            ["GroupWelcome"] = 4,
            ["GroupAck"] = 12,
            ["GroupUpdate"] = 5,
            ["Msg"] = 6,
            ["MsgAck"] = 8,
            ["LeaveRequest"] = 2,
            ["LeaveReply"] = 2,
            ["unsubscribe"] = 6,
            ["GroupClose"] = 2,
        };

        var counts = Load(file)
            .GroupBy(m => m.Kind() switch
            {
                MessageKind.Publish => m.GetSessionMessageType().ToString(),
                MessageKind.Link => "link",
                MessageKind.Subscribe => "subscribe",
                MessageKind.Unsubscribe => "unsubscribe",
                MessageKind.SubscriptionAck => "subscription_ack",
                var other => other.ToString(),
            })
            .ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(expected.OrderBy(p => p.Key), counts.OrderBy(p => p.Key));
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_name_has_both_forms_and_consistent_hashes(string file)
    {
        var names = Load(file).SelectMany(ProtoWalk.Names).ToList();

        // 190 names in the MLS trace; the MLS-free run carries the same names.
        Assert.Equal(190, names.Count);
        var distinct = new HashSet<(string, ulong)>();
        foreach (var wire in names)
        {
            Assert.NotNull(wire.Name_);
            Assert.NotNull(wire.Name_.NameId);
            Assert.NotNull(wire.StrName);

            var name = SlimName.FromWire(wire);
            Assert.True(name.HasComponentStrings);
            Assert.Equal(SlimName.HashComponent(name.Organization!), name.OrganizationHash);
            Assert.Equal(SlimName.HashComponent(name.Namespace!), name.NamespaceHash);
            Assert.Equal(SlimName.HashComponent(name.Service!), name.ServiceHash);
            distinct.Add((name.Organization!, name.OrganizationHash));
            distinct.Add((name.Namespace!, name.NamespaceHash));
            distinct.Add((name.Service!, name.ServiceHash));

            // Our ToWire reproduces the official encoding of every name byte for byte.
            Assert.Equal(wire.ToByteArray(), name.ToWire().ToByteArray());

            // The display form parses back to the same route key.
            Assert.Equal(name, SlimName.Parse(name.ToString()));
        }

        // org, ns, moderator, client-1, client-2, chat (the trace's 6 distinct pairs).
        Assert.Equal(6, distinct.Count);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Own_name_subscriptions_carry_the_app_ids_of_the_trace(string file)
    {
        var records = CaptureFile.LoadShared(file);
        var seen = new Dictionary<string, string>();
        foreach (var record in records.Where(r => r.Direction == CaptureDirection.AppToNode))
        {
            var message = Message.Parser.ParseFrom(record.Bytes);
            if (message.Kind() != MessageKind.Subscribe)
            {
                continue;
            }

            var source = SlimName.FromWire(message.Subscribe.Header.Source);
            var destination = SlimName.FromWire(message.Subscribe.Header.Destination);
            Assert.Equal(record.App, source.Service);
            if (source == destination)
            {
                seen[record.App] = SlimName.FormatInstanceId(source.Id);

                // The own-name subscription carries the app's token; its id part hashes to the app id.
                var token = CapturedIdentityToken.Parse(message.Subscribe.Header.Identity);
                Assert.StartsWith($"org/ns/{record.App}_", token.Id, StringComparison.Ordinal);
                Assert.Equal(source.Id, SlimIds.AppIdFromIdentity(token.Id));
            }
            else
            {
                Assert.Equal(string.Empty, message.Subscribe.Header.Identity);
            }
        }

        if (file == CaptureFile.GroupMls)
        {
            Assert.Equal(AppIds.OrderBy(p => p.Key), seen.OrderBy(p => p.Key));
        }
        else
        {
            Assert.Equal(AppIds.Keys.Order(), seen.Keys.Order());
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Channel_ids_derive_from_the_moderator_token_id(string file)
    {
        var messages = Load(file);
        var joinRequest = messages.First(m => m.GetSessionMessageType() == SessionMessageType.JoinRequest).Publish;
        var tokenId = CapturedIdentityToken.Parse(joinRequest.Header.Identity).Id;
        var payload = joinRequest.Msg.CommandPayload.JoinRequest;
        var data = SlimName.FromWire(payload.Channel);
        var control = SlimName.FromWire(payload.Control);

        Assert.Equal("org/ns/chat", data.ToString("P", null));
        var (dataId, controlId) = SlimIds.ChannelIds(tokenId, data);
        Assert.Equal(data.Id, dataId);
        Assert.Equal(control.Id, controlId);
        Assert.Equal(data.Id, SlimIds.ChannelId(tokenId, control, ChannelKind.Data));

        if (file == CaptureFile.GroupMls)
        {
            Assert.Equal("a8d8cbbf-53a6-e0d8-c70d-af508b9c1d5a", SlimName.FormatInstanceId(dataId));
            Assert.Equal("83286e61-895b-9e72-ce01-f375b7561e96", SlimName.FormatInstanceId(controlId));
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Headers_follow_the_official_defaults(string file)
    {
        foreach (var record in CaptureFile.LoadShared(file))
        {
            var message = Message.Parser.ParseFrom(record.Bytes);
            var header = message.GetSlimHeader();
            if (header is null)
            {
                continue;
            }

            Assert.Equal(SlimConstants.WireVersion, header.Version);
            Assert.Equal(record.Direction == CaptureDirection.AppToNode ? SlimConstants.DefaultTtl : SlimConstants.DefaultTtl - 1, header.Ttl);
            Assert.Equal(32, header.HeaderMac.Length);
            Assert.False(header.HasRecvFrom);
            Assert.False(header.HasForwardTo);

            var type = message.GetSessionMessageType();
            if (message.Kind() == MessageKind.Publish)
            {
                Assert.Equal(type.IsCommand(), header.HasE2EHeaderSig);
                Assert.NotEqual(type.IsCommand(), type.IsData());
                Assert.Equal(SessionType.Multicast, message.Publish.Session.SessionType);
                Assert.True(SlimIds.IsValidSessionId(message.Publish.Session.SessionId));
            }
        }
    }

    [Fact]
    public void Builders_reproduce_captured_messages_byte_for_byte()
    {
        var records = CaptureFile.LoadShared(CaptureFile.GroupMls);
        var rebuilt = 0;
        foreach (var record in records.Where(r => r.Direction == CaptureDirection.AppToNode))
        {
            var original = Message.Parser.ParseFrom(record.Bytes);
            Message copy;
            switch (original.Kind())
            {
                case MessageKind.Subscribe:
                    copy = WireMessage.CreateSubscribe(
                        SlimName.FromWire(original.Subscribe.Header.Source),
                        SlimName.FromWire(original.Subscribe.Header.Destination),
                        original.Subscribe.SubscriptionId,
                        original.Subscribe.Header.Identity);
                    break;
                case MessageKind.Unsubscribe:
                    copy = WireMessage.CreateUnsubscribe(
                        SlimName.FromWire(original.Unsubscribe.Header.Source),
                        SlimName.FromWire(original.Unsubscribe.Header.Destination),
                        original.Unsubscribe.SubscriptionId,
                        original.Unsubscribe.Header.Identity);
                    break;
                case MessageKind.Publish:
                    var publish = original.Publish;
                    copy = WireMessage.CreatePublish(
                        SlimName.FromWire(publish.Header.Source),
                        SlimName.FromWire(publish.Header.Destination),
                        WireMessage.CreateSessionHeader(
                            publish.Session.SessionType,
                            publish.Session.SessionMessageType,
                            publish.Session.SessionId,
                            publish.Session.MessageId),
                        publish.Msg.Clone(),
                        publish.Header.Fanout,
                        publish.Header.Identity);
                    copy.Metadata.Add(original.Metadata);
                    if (publish.Header.HasE2EHeaderSig)
                    {
                        copy.Publish.Header.E2EHeaderSig = publish.Header.E2EHeaderSig;
                    }

                    break;
                default:
                    continue;
            }

            // Link-local fields are the data plane's job: copy them as sent.
            var header = copy.GetSlimHeader()!;
            var sent = original.GetSlimHeader()!;
            if (sent.HasIncomingConn)
            {
                header.IncomingConn = sent.IncomingConn;
            }

            header.HeaderMac = sent.HeaderMac;
            Assert.Equal(Hex.Encode(record.Bytes), Hex.Encode(copy.ToByteArray()));
            rebuilt++;
        }

        Assert.True(rebuilt > 30, $"only {rebuilt} messages rebuilt");
    }

    [Fact]
    public void Subscription_acks_and_links_match_the_builders()
    {
        foreach (var message in Load(CaptureFile.GroupMls))
        {
            switch (message.Kind())
            {
                case MessageKind.SubscriptionAck:
                    var ack = message.SubscriptionAck;
                    Assert.True(ack.Success);
                    Assert.Equal(message, WireMessage.CreateSubscriptionAck(ack.SubscriptionId, ack.Success));
                    break;
                case MessageKind.Link:
                    var negotiation = message.Link.LinkNegotiation;
                    Assert.Equal(SlimConstants.WireVersion, negotiation.SlimVersion);
                    Assert.Equal(32, negotiation.LinkEcdhPublicKey.Length);
                    Assert.Equal(LinkConnectionType.Edge, negotiation.ConnectionType);
                    Assert.Equal(message, WireMessage.CreateLink(negotiation.Clone()));
                    break;
            }
        }
    }

    private static List<Message> Load(string file) =>
        CaptureFile.LoadShared(file).Select(r => Message.Parser.ParseFrom(r.Bytes)).ToList();
}
