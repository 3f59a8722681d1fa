using Google.Protobuf;
using Slim.Protocol.Wire;
using Slim.Testing.Capture;

namespace Slim.Protocol.Tests;

public sealed class WireMessageTests
{
    private static readonly SlimName Bob = new("org", "ns", "bob", 42);
    private static readonly SlimName Chat = new("org", "ns", "chat", 7);

    [Fact]
    public void Subscribe_builder_fills_the_official_defaults()
    {
        var message = WireMessage.CreateSubscribe(Bob, Chat, 99);

        Assert.Equal(MessageKind.Subscribe, message.Kind());
        var header = message.GetSlimHeader()!;
        Assert.Same(message.Subscribe.Header, header);
        Assert.Equal(SlimConstants.DefaultTtl, header.Ttl);
        Assert.Equal(SlimConstants.WireVersion, header.Version);
        Assert.Equal(SlimConstants.AnycastFanout, header.Fanout);
        Assert.Equal(string.Empty, header.Identity);
        Assert.Equal(Bob, SlimName.FromWire(header.Source));
        Assert.Equal(Chat, SlimName.FromWire(header.Destination));
        Assert.NotNull(header.Destination.StrName);
        Assert.Equal(99UL, message.Subscribe.SubscriptionId);
        Assert.False(header.HasHeaderMac || header.HasIncomingConn || header.HasRecvFrom || header.HasForwardTo);
        Assert.Null(message.GetSessionHeader());
    }

    [Fact]
    public void Unsubscribe_builder()
    {
        var message = WireMessage.CreateUnsubscribe(Bob, Chat, 5, "tok");
        Assert.Equal(MessageKind.Unsubscribe, message.Kind());
        Assert.Equal("tok", message.GetSlimHeader()!.Identity);
        Assert.Equal(5UL, message.Unsubscribe.SubscriptionId);
        Assert.True(WireMessage.TryValidate(message, out _));
    }

    [Fact]
    public void Publish_builder_and_accessors()
    {
        var session = WireMessage.CreateSessionHeader(SessionType.Multicast, SessionMessageType.GroupAck, 1, 2);
        var content = new Content { CommandPayload = new CommandPayload { GroupAck = new GroupAckPayload() } };

        var message = WireMessage.CreatePublish(Bob, Chat, session, content, SlimConstants.GroupFanout, "tok");
        message.Metadata.Add(SlimConstants.MetadataPublishTo, SlimConstants.MetadataTrue);

        Assert.Equal(MessageKind.Publish, message.Kind());
        Assert.Equal(SlimConstants.GroupFanout, message.GetSlimHeader()!.Fanout);
        Assert.Same(session, message.GetSessionHeader());
        Assert.Equal(SessionMessageType.GroupAck, message.GetSessionMessageType());
        Assert.Equal(string.Empty, message.Publish.GetPayloadType());
        Assert.True(message.HasFlag(SlimConstants.MetadataPublishTo));
        Assert.False(message.HasFlag(SlimConstants.MetadataLeavingSession));
        Assert.True(WireMessage.TryValidate(message, out var error), error);

        var decoded = WireMessage.Parse(message.ToByteArray());
        Assert.Equal(message, decoded);
    }

    [Fact]
    public void Subscription_ack_sends_the_error_only_on_failure()
    {
        Assert.Equal(string.Empty, WireMessage.CreateSubscriptionAck(1, true, "ignored").SubscriptionAck.Error);
        var failed = WireMessage.CreateSubscriptionAck(1, false, "unknown subscription");
        Assert.False(failed.SubscriptionAck.Success);
        Assert.Equal("unknown subscription", failed.SubscriptionAck.Error);
        Assert.Equal(MessageKind.SubscriptionAck, failed.Kind());
        Assert.Null(failed.GetSlimHeader());
    }

    [Fact]
    public void Link_builder()
    {
        var message = WireMessage.CreateLink(new LinkNegotiationPayload { LinkId = "x", SlimVersion = SlimConstants.WireVersion });
        Assert.Equal(MessageKind.Link, message.Kind());
        Assert.True(WireMessage.TryValidate(message, out _));
    }

    [Fact]
    public void Kind_values_are_the_oneof_field_numbers()
    {
        var oneof = Message.Descriptor.Oneofs.Single(o => o.Name == "message_type");
        Assert.Equal(
            oneof.Fields.Select(f => (f.FieldNumber, f.PropertyName)).Order(),
            Enum.GetValues<MessageKind>().Where(k => k != MessageKind.None).Select(k => ((int)k, k.ToString())).Order());

        foreach (var value in Enum.GetValues<Message.MessageTypeOneofCase>())
        {
            Assert.Equal(value.ToString(), ((MessageKind)(int)value).ToString());
        }

        Assert.Equal(MessageKind.None, new Message().Kind());
        Assert.Equal(MessageKind.SubscriptionAck, new Message { SubscriptionAck = new SubscriptionAck() }.Kind());
    }

    [Fact]
    public void Command_and_data_classification()
    {
        foreach (var type in Enum.GetValues<SessionMessageType>())
        {
            var number = (int)type;
            Assert.Equal(number is >= 5 and <= 20, type.IsCommand());
            Assert.Equal(number is >= 1 and <= 4, type.IsData());
        }
    }

    public static TheoryData<Message, string> InvalidMessages => new()
    {
        { new Message(), "message_type" },
        { new Message { Publish = new Publish() }, "session header" },
        { new Message { Publish = new Publish { Session = new SessionHeader() } }, "no header" },
        { new Message { Publish = new Publish { Session = new SessionHeader(), Header = new SLIMHeader() } }, "source" },
        {
            new Message { Subscribe = new Subscribe { Header = new SLIMHeader { Source = Bob.ToWire(), Destination = new Name() } } },
            "destination"
        },
        { new Message { Unsubscribe = new Unsubscribe() }, "no header" },
        { new Message { Link = new Link() }, "link_type" },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public void Validation_names_the_missing_field(Message message, string fragment)
    {
        Assert.False(WireMessage.TryValidate(message, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        var ex = Assert.Throws<SlimProtocolException>(() => WireMessage.Validate(message));
        Assert.Equal(SlimErrorCode.MissingField, ex.ErrorCode);
        Assert.True(WireMessage.TryValidate(new Message { SubscriptionAck = new SubscriptionAck() }, out _));
    }

    [Fact]
    public void Parse_wraps_malformed_input_in_the_library_exception()
    {
        var ex = Assert.Throws<SlimProtocolException>(() => WireMessage.Parse(new byte[] { 0x0A, 0x05, 0x01 }));
        Assert.Equal(SlimErrorCode.MalformedMessage, ex.ErrorCode);
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);
        Assert.False(WireMessage.TryParse(new byte[] { 0xFF }, out var message, out var error));
        Assert.Null(message);
        Assert.NotNull(error);
    }

    /// <summary>
    /// Random bytes: the generated parser only ever throws <see cref="InvalidProtocolBufferException"/>, and
    /// <see cref="WireMessage.TryParse"/> never throws. Whatever decodes can be validated, named and AAD-hashed
    /// without an untyped exception.
    /// </summary>
    [Fact]
    public void Random_bytes_only_produce_the_typed_decode_error()
    {
        var random = new Random(4242);
        for (var i = 0; i < 50_000; i++)
        {
            var bytes = new byte[random.Next(0, 256)];
            random.NextBytes(bytes);
            CheckDecoderBehaviour(bytes);
        }
    }

    /// <summary>Mutated real messages (bit flips, truncations, splices) reach deeper into the decoder than noise.</summary>
    [Fact]
    public void Mutated_captured_messages_only_produce_the_typed_decode_error()
    {
        var random = new Random(777);
        var records = CaptureFile.LoadShared(CaptureFile.GroupMls);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])records[random.Next(records.Count)].Bytes.Clone();
            switch (random.Next(3))
            {
                case 0:
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    var other = records[random.Next(records.Count)].Bytes;
                    var cut = random.Next(bytes.Length);
                    bytes = [.. bytes[..cut], .. other[random.Next(other.Length)..]];
                    break;
            }

            CheckDecoderBehaviour(bytes);
        }
    }

    private static void CheckDecoderBehaviour(byte[] bytes)
    {
        Message? parsed = null;
        try
        {
            parsed = Message.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            // The only acceptable failure.
        }

        Assert.Equal(parsed is not null, WireMessage.TryParse(bytes, out var viaHelper, out var error));
        Assert.Equal(parsed is null, error is not null);
        if (viaHelper is null)
        {
            return;
        }

        if (WireMessage.TryValidate(viaHelper, out _))
        {
            var header = viaHelper.GetSlimHeader();
            if (header is not null)
            {
                Assert.True(SlimName.TryFromWire(header.Source, out var source));
                Assert.True(SlimName.TryFromWire(header.Destination, out _));
                _ = source.ToString("F", null);
            }

            if (viaHelper.Kind() == MessageKind.Publish)
            {
                Assert.NotEmpty(HeaderIntegrity.ComputeAad(viaHelper.Publish));
            }
        }
    }
}
