using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing.Internal;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>The byte-level forwarding of publishes must produce exactly what the object path produces.</summary>
public sealed class FastPathTests
{
    private const string LinkId = "4464983e-2697-4cb7-9a11-212453528eee";
    private static readonly SlimName Alice = new("org", "ns", "alice", 0xA1);
    private static readonly SlimName Bob = new("org", "ns", "bob", 0xB0B);

    public static TheoryData<string> Shapes() =>
    [
        "plain", "no-strings", "no-name-id", "metadata", "signature", "error", "flags", "stale-fields",
        "empty-identity", "zero-fanout", "unknown-header-field", "big-payload", "command",
    ];

    private static Message Build(string shape)
    {
        var message = Messages.Publish(Alice, Bob, SlimConstants.GroupFanout, ttl: 5, text: shape == "big-payload" ? new string('z', 100_000) : "hi");
        var header = message.Publish.Header;
        switch (shape)
        {
            case "no-strings":
                header.Source.StrName = null;
                header.Destination.StrName = null;
                break;
            case "no-name-id":
                header.Destination.Name_.NameId = null;
                break;
            case "metadata":
                message.Metadata.Add("k1", "v1");
                message.Metadata.Add("PUBLISH_TO", "TRUE");
                break;
            case "signature":
                header.E2EHeaderSig = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(71));
                break;
            case "error":
                header.Error = true;
                break;
            case "flags":
                header.RecvFrom = 3;
                header.ForwardTo = 0;
                break;
            case "stale-fields":
                header.IncomingConn = 1234567;
                header.HeaderMac = ByteString.CopyFrom(new byte[32]);
                break;
            case "empty-identity":
                header.Identity = string.Empty;
                break;
            case "zero-fanout":
                header.Fanout = 0;
                break;
            case "unknown-header-field":
                break;
            case "command":
                message.Publish.Msg = new Content { CommandPayload = new CommandPayload { GroupAck = new GroupAckPayload() } };
                message.Publish.Session.SessionMessageType = SessionMessageType.GroupAck;
                break;
        }

        return message;
    }

    private static byte[] Encode(Message message, string shape)
    {
        var bytes = message.ToByteArray();
        if (shape != "unknown-header-field")
        {
            return bytes;
        }

        // Field 99 (varint 7) inside the header: append it to the header and fix both lengths.
        var header = message.Publish.Header.ToByteArray().Concat(new byte[] { 0x98, 0x06, 0x07 }).ToArray();
        var publish = new List<byte> { 0x0A };
        publish.AddRange(Varint(header.Length));
        publish.AddRange(header);
        publish.AddRange(message.Publish.Session.ToByteArray() is var s ? new byte[] { 0x12 }.Concat(Varint(s.Length)).Concat(s) : []);
        publish.AddRange(message.Publish.Msg.ToByteArray() is var m ? new byte[] { 0x1A }.Concat(Varint(m.Length)).Concat(m) : []);
        return new byte[] { 0x1A }.Concat(Varint(publish.Count)).Concat(publish).ToArray();
    }

    private static byte[] Field(byte tag, byte[] content) => new[] { tag }.Concat(Varint(content.Length)).Concat(content).ToArray();

    private static byte[] Varint(int value)
    {
        var buffer = new byte[10];
        return buffer[..RawPublish.WriteVarint(buffer, (ulong)value)];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_forwarded_bytes_equal_the_object_paths_encoding(string shape)
    {
        var message = Build(shape);
        var bytes = Encode(message, shape);
        Assert.True(RawPublish.TryRead(bytes, out var raw));

        var frame = OutboundFrame.Create(bytes, in raw, 4, 42);
        var written = new ArrayBufferWriter<byte>();
        frame.WriteTo(written, null, default);
        frame.Release();

        // What the object path sends for the same message.
        var expected = Message.Parser.ParseFrom(bytes);
        var header = expected.Publish.Header;
        header.Ttl = 4;
        header.IncomingConn = 42;
        header.ClearRecvFrom();
        header.ClearForwardTo();
        header.ClearHeaderMac();
        var expectedFrame = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(expectedFrame, expected);

        Assert.Equal(expectedFrame.WrittenSpan.ToArray(), written.WrittenSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_forwarded_mac_is_the_header_mac_of_what_is_sent(string shape)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var mac = new HeaderMacContext(key, LinkId);
        var bytes = Encode(Build(shape), shape);
        Assert.True(RawPublish.TryRead(bytes, out var raw));
        var frame = OutboundFrame.Create(bytes, in raw, 4, 42);
        var written = new ArrayBufferWriter<byte>();
        frame.WriteTo(written, mac, new byte[32]);
        frame.Release();

        var sent = Message.Parser.ParseFrom(written.WrittenSpan[GrpcFraming.PrefixSize..]);
        Assert.True(HeaderMac.Verify(key, LinkId, sent.Publish.Header));
        Assert.Equal(4u, sent.Publish.Header.Ttl);
        Assert.Equal(42UL, sent.Publish.Header.IncomingConn);
        Assert.False(sent.Publish.Header.HasRecvFrom || sent.Publish.Header.HasForwardTo);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_raw_mac_check_agrees_with_the_object_check(string shape)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var mac = new HeaderMacContext(key, LinkId);
        var message = Build(shape);
        message.Publish.Header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(key, LinkId, message.Publish.Header));
        var bytes = Encode(message, shape);
        Assert.True(RawPublish.TryRead(bytes, out var raw));

        var length = raw.MacBodyLength(received: true);
        raw.WriteMacBody(bytes, mac.BodyBuffer(length), received: true, raw.Ttl);
        var tag = new byte[32];
        mac.ComputeTagOverBody(length, tag);
        Assert.Equal(message.Publish.Header.HeaderMac.ToByteArray(), tag);
    }

    [Fact]
    public void Other_messages_and_ambiguous_encodings_take_the_general_path()
    {
        var publish = Messages.Publish(Alice, Bob).ToByteArray();
        Assert.True(RawPublish.TryRead(publish, out _));

        Assert.False(RawPublish.TryRead(WireMessage.CreateSubscribe(Alice, Bob, 1).ToByteArray(), out _));
        Assert.False(RawPublish.TryRead(WireMessage.CreateSubscriptionAck(1, true).ToByteArray(), out _));
        Assert.False(RawPublish.TryRead([], out _));

        // Two publish fields (protobuf would merge them), a publish followed by a subscribe (oneof: last wins).
        Assert.False(RawPublish.TryRead(publish.Concat(publish).ToArray(), out _));
        Assert.False(RawPublish.TryRead(publish.Concat(WireMessage.CreateSubscribe(Alice, Bob, 1).ToByteArray()).ToArray(), out _));

        // The header field twice (protobuf would merge the two), a name without EncodedName, invalid UTF-8.
        var twice = Messages.Publish(Alice, Bob);
        var header = Field(0x0A, twice.Publish.Header.ToByteArray());
        var inner = header.Concat(header).Concat(Field(0x12, twice.Publish.Session.ToByteArray())).Concat(Field(0x1A, twice.Publish.Msg.ToByteArray())).ToArray();
        Assert.False(RawPublish.TryRead(Field(0x1A, inner), out _));
        Assert.True(RawPublish.TryRead(Field(0x1A, header.Concat(Field(0x12, twice.Publish.Session.ToByteArray())).ToArray()), out _));

        var noEncoded = Messages.Publish(Alice, Bob);
        noEncoded.Publish.Header.Source.Name_ = null;
        Assert.False(RawPublish.TryRead(noEncoded.ToByteArray(), out _));

        var badUtf8 = Messages.Publish(Alice, Bob);
        badUtf8.Publish.Header.Identity = "abc";
        var bytes = badUtf8.ToByteArray();
        var at = bytes.AsSpan().IndexOf("abc"u8);
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        Assert.False(RawPublish.TryRead(bytes, out _));
    }

    [Fact]
    public void Random_and_truncated_bytes_never_throw()
    {
        var random = new Random(5);
        var valid = Messages.Publish(Alice, Bob).ToByteArray();
        for (var length = 0; length < valid.Length; length++)
        {
            _ = RawPublish.TryRead(valid.AsSpan(0, length), out _);
        }

        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 2)
            {
                // Start like a publish so the reader goes deeper.
                bytes[0] = 0x1A;
                bytes[1] = (byte)Math.Min(bytes.Length - 2, 127);
            }

            _ = RawPublish.TryRead(bytes, out _);
        }

        for (var i = 0; i < 2000; i++)
        {
            var mutated = (byte[])valid.Clone();
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (RawPublish.TryRead(mutated, out var raw) && raw.HasSession)
            {
                // Whatever it accepts, it can forward.
                var frame = OutboundFrame.Create(mutated, in raw, 3, 9);
                var written = new ArrayBufferWriter<byte>();
                frame.WriteTo(written, null, default);
                frame.Release();
                Assert.True(written.WrittenCount > GrpcFraming.PrefixSize);
            }
        }
    }
}
