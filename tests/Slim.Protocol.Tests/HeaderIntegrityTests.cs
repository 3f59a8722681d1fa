using System.Buffers;
using Google.Protobuf;
using Slim.Protocol.Tests.Capture;
using Slim.Protocol.Wire;
using Slim.Testing;
using Slim.Testing.Capture;

namespace Slim.Protocol.Tests;

public sealed class HeaderIntegrityTests
{
    private static readonly UInt128 BobId = new(0x979bbda1cd0667c2UL, 0x2c25f742fc4a6513UL);

    /// <summary>
    /// slim-v2-protocol.md section 4.6: source org/ns/bob/979bbda1…, destination org/ns/alice/NULL, identity "tok",
    /// P2P, DISCOVERY_REQUEST, session 7, message 9: 168 bytes with the given prefix and suffix.
    /// </summary>
    [Fact]
    public void Matches_the_reference_vector()
    {
        var header = WireMessage.CreateHeader(
            new SlimName("org", "ns", "bob", BobId).ToWire(), new SlimName("org", "ns", "alice").ToWire(), "tok", 1);
        var session = WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 7, 9);

        var aad = HeaderIntegrity.ComputeAad(header, session, string.Empty);

        Assert.Equal(168, aad.Length);
        var hex = Hex.Encode(aad);
        Assert.StartsWith("080112490a3708bbacaab7b780969f870110d1a1", hex, StringComparison.Ordinal);
        Assert.EndsWith("2203746f6b2801300538074009", hex, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_overloads_agree_and_use_the_app_payload_type()
    {
        var session = WireMessage.CreateSessionHeader(SessionType.Multicast, SessionMessageType.Msg, 1, 2);
        var content = new Content { AppPayload = new ApplicationPayload { PayloadType = "text/plain", Blob = ByteString.CopyFromUtf8("x") } };
        var message = WireMessage.CreatePublish(
            new SlimName("org", "ns", "bob", BobId), new SlimName("org", "ns", "chat", 5), session, content, SlimConstants.GroupFanout, "tok");

        var aad = HeaderIntegrity.ComputeAad(message.Publish);
        Assert.Equal(HeaderIntegrity.ComputeAad(message.Publish.Header, session, "text/plain"), aad);
        Assert.EndsWith(Hex.Encode("text/plain"u8), Hex.Encode(aad), StringComparison.Ordinal);

        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(aad.Length, HeaderIntegrity.WriteAad(message.Publish, writer));
        Assert.Equal(aad, writer.WrittenSpan.ToArray());

        // Fields outside the AAD (ttl, fanout, MAC, payload bytes) do not change it; message id does.
        message.Publish.Header.Ttl = 3;
        message.Publish.Header.HeaderMac = ByteString.CopyFrom(new byte[32]);
        message.Publish.Msg.AppPayload.Blob = ByteString.CopyFromUtf8("other");
        Assert.Equal(aad, HeaderIntegrity.ComputeAad(message.Publish));
        message.Publish.Session.MessageId++;
        Assert.NotEqual(aad, HeaderIntegrity.ComputeAad(message.Publish));
    }

    [Fact]
    public void Name_id_and_string_name_presence_change_the_bytes()
    {
        var session = WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 7, 9);
        var source = new SlimName("org", "ns", "bob", BobId).ToWire();
        var destination = new SlimName("org", "ns", "alice").ToWire();
        var full = HeaderIntegrity.ComputeAad(WireMessage.CreateHeader(source, destination, "tok", 1), session, "");

        var noId = destination.Clone();
        noId.Name_.NameId = null;
        var noStrings = destination.Clone();
        noStrings.StrName = null;

        Assert.NotEqual(full, HeaderIntegrity.ComputeAad(WireMessage.CreateHeader(source, noId, "tok", 1), session, ""));
        Assert.NotEqual(full, HeaderIntegrity.ComputeAad(WireMessage.CreateHeader(source, noStrings, "tok", 1), session, ""));

        // ...while the route key is the same.
        Assert.Equal(SlimName.FromWire(destination), SlimName.FromWire(noId));
        Assert.Equal(SlimName.FromWire(destination), SlimName.FromWire(noStrings));
    }

    [Fact]
    public void Publish_without_headers_is_a_typed_error()
    {
        var ex = Assert.Throws<SlimProtocolException>(() => HeaderIntegrity.ComputeAad(new Publish()));
        Assert.Equal(SlimErrorCode.MissingField, ex.ErrorCode);
    }

    /// <summary>
    /// Every e2e_header_sig in both captures verifies: ECDSA-P256-SHA256 (DER) over our AAD with the public key
    /// from the sender's token. The trace reports 43/43 in the MLS run: its 43 command publishes (21 sent by apps,
    /// 22 delivered by the node, which forwards the signature unchanged).
    /// </summary>
    [Theory]
    [InlineData(CaptureFile.GroupMls)]
    [InlineData(CaptureFile.GroupNoMls)]
    public void Every_captured_signature_verifies(string file)
    {
        var verified = 0;
        var verifiedAppToNode = 0;
        foreach (var record in CaptureFile.LoadShared(file))
        {
            var message = Message.Parser.ParseFrom(record.Bytes);
            if (message.Kind() != MessageKind.Publish || !message.Publish.Header.HasE2EHeaderSig)
            {
                continue;
            }

            var publish = message.Publish;
            var token = CapturedIdentityToken.Parse(publish.Header.Identity);
            Assert.True(token.MacVerifies(), $"#{record.Index}: token MAC");

            var aad = HeaderIntegrity.ComputeAad(publish);
            var signature = publish.Header.E2EHeaderSig.ToByteArray();
            Assert.True(token.SignatureVerifies(aad, signature), $"#{record.Index} {publish.Session.SessionMessageType}: signature");

            // The check can fail: the same signature does not cover a different message id.
            publish.Session.MessageId ^= 1;
            Assert.False(token.SignatureVerifies(HeaderIntegrity.ComputeAad(publish), signature));

            verified++;
            if (record.Direction == CaptureDirection.AppToNode)
            {
                verifiedAppToNode++;
            }
        }

        Assert.Equal(43, verified);
        Assert.Equal(21, verifiedAppToNode);
    }

    /// <summary>
    /// In the MLS capture, every MSG blob is an MLS PrivateMessage whose authenticated_data is the AAD of that
    /// message (with payload_type "text/plain"): the AAD matches the official encoder for application payloads too.
    /// </summary>
    [Fact]
    public void Mls_authenticated_data_equals_the_aad_of_each_msg()
    {
        var checkedCount = 0;
        foreach (var record in CaptureFile.LoadShared(CaptureFile.GroupMls))
        {
            var message = Message.Parser.ParseFrom(record.Bytes);
            if (message.GetSessionMessageType() != SessionMessageType.Msg)
            {
                continue;
            }

            var publish = message.Publish;
            Assert.Equal("text/plain", publish.GetPayloadType());
            var authenticatedData = ReadPrivateMessageAuthenticatedData(publish.Msg.AppPayload.Blob.Span);
            Assert.Equal(Hex.Encode(HeaderIntegrity.ComputeAad(publish)), Hex.Encode(authenticatedData));
            checkedCount++;
        }

        Assert.Equal(6, checkedCount);
    }

    /// <summary>
    /// RFC 9420: MLSMessage = version u16 (1) ‖ wire_format u16 (2 = PrivateMessage) ‖ group_id&lt;V&gt; ‖
    /// epoch u64 ‖ content_type u8 ‖ authenticated_data&lt;V&gt; ‖ …; &lt;V&gt; = QUIC-style variable-length size.
    /// </summary>
    private static byte[] ReadPrivateMessageAuthenticatedData(ReadOnlySpan<byte> mls)
    {
        Assert.Equal(1, (mls[0] << 8) | mls[1]);
        Assert.Equal(2, (mls[2] << 8) | mls[3]);
        var rest = mls[4..];
        var groupIdLength = ReadVarint(ref rest);
        rest = rest[(groupIdLength + 8 + 1)..];
        var aadLength = ReadVarint(ref rest);
        return rest[..aadLength].ToArray();
    }

    private static int ReadVarint(ref ReadOnlySpan<byte> data)
    {
        var prefix = data[0] >> 6;
        var length = 1 << prefix;
        var value = data[0] & 0x3F;
        for (var i = 1; i < length; i++)
        {
            value = (value << 8) | data[i];
        }

        data = data[length..];
        return value;
    }
}
