using System.Buffers.Binary;
using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Links;

public sealed class HeaderMacTests
{
    // The reference vector of the SLIM v2 brief (section 3.3): RFC 7748 section 6.1 keys, client = Alice, server = Bob.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string LinkId = "4464983e-2697-4cb7-9a11-212453528eee";
    private const string MacKey = "0fa79e4ab23ca37feecc1e9aeef5d65a7b383cff485a830e65bfdaf36932c414";
    private const string Tag = "afa3a672d0c30dc1382db2da3687a26d958447896460cb84fdd4566a5928d68e";

    private static SLIMHeader VectorHeader()
    {
        var bob = new SlimName("org", "ns", "bob", UInt128.Parse("979bbda1cd0667c22c25f742fc4a6513", System.Globalization.NumberStyles.HexNumber, null));
        var alice = new SlimName("org", "ns", "alice");
        return new SLIMHeader
        {
            Source = bob.ToWire(),
            Destination = alice.ToWire(),
            Identity = "tok",
            Fanout = 1,
            Ttl = 8,
            Version = SlimConstants.WireVersion,
        };
    }

    private static byte[] SharedSecret() => X25519.Agree(Hex.Decode(AlicePrivate), Hex.Decode(BobPublic));

    [Fact]
    public void Key_derivation_matches_the_reference_vector()
    {
        var shared = SharedSecret();
        Assert.StartsWith("4a5d9d5b", Hex.Encode(shared), StringComparison.Ordinal);
        Assert.EndsWith("1e161742", Hex.Encode(shared), StringComparison.Ordinal);
        Assert.Equal(MacKey, Hex.Encode(HeaderMac.DeriveKey(shared, LinkId)));
    }

    [Fact]
    public void Preimage_has_the_reference_layout()
    {
        var preimage = HeaderMac.ComputePreimage(LinkId, VectorHeader());

        Assert.Equal(203, preimage.Length);
        Assert.Equal("SLIM-DP-HDR-v1\0"u8.ToArray(), preimage[..15]);
        Assert.Equal(36u, BinaryPrimitives.ReadUInt32LittleEndian(preimage.AsSpan(15)));
        Assert.Equal(LinkId, System.Text.Encoding.UTF8.GetString(preimage, 19, 36));

        // Source: present, encoded (c0 = XXH64("org" + FF)), name_id present, strings present.
        Assert.Equal(1, preimage[55]);
        Assert.Equal(1, preimage[56]);
        Assert.Equal(0x873e580376ea963bUL, BinaryPrimitives.ReadUInt64LittleEndian(preimage.AsSpan(57)));
        Assert.Equal(1, preimage[81]);
        Assert.Equal(0x979bbda1cd0667c2UL, BinaryPrimitives.ReadUInt64LittleEndian(preimage.AsSpan(82)));

        // Tail: identity "tok", fanout 1, no recv_from / forward_to / error, ttl 8.
        Assert.Equal([3, 0, 0, 0, (byte)'t', (byte)'o', (byte)'k', 1, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0], preimage[^18..]);
    }

    [Fact]
    public void Tag_matches_the_reference_vector()
    {
        var key = Hex.Decode(MacKey);
        Assert.Equal(Tag, Hex.Encode(HeaderMac.ComputeTag(key, LinkId, VectorHeader())));

        using var context = new HeaderMacContext(key, LinkId);
        Span<byte> tag = stackalloc byte[32];
        context.ComputeTag(VectorHeader(), tag);
        Assert.Equal(Tag, Hex.Encode(tag));
    }

    [Fact]
    public void Verification_accepts_the_tag_and_rejects_any_change()
    {
        var key = Hex.Decode(MacKey);
        using var context = new HeaderMacContext(key, LinkId);
        var header = VectorHeader();
        header.HeaderMac = ByteString.CopyFrom(Hex.Decode(Tag));
        Assert.True(HeaderMac.Verify(key, LinkId, header));
        Assert.True(context.Verify(header));

        // Fields outside the MAC do not matter.
        header.IncomingConn = 5;
        header.Version = "9.9.9";
        header.E2EHeaderSig = ByteString.CopyFromUtf8("sig");
        Assert.True(context.Verify(header));

        foreach (var tamper in Tampers())
        {
            var changed = header.Clone();
            tamper(changed);
            Assert.False(context.Verify(changed));
            Assert.False(HeaderMac.Verify(key, LinkId, changed));
        }

        Assert.False(HeaderMac.Verify(key, "another-link", header));
    }

    private static IEnumerable<Action<SLIMHeader>> Tampers()
    {
        yield return h => h.Ttl = 7;
        yield return h => h.Fanout = 256;
        yield return h => h.Identity = "tok2";
        yield return h => h.RecvFrom = 0;
        yield return h => h.ForwardTo = 0;
        yield return h => h.Error = false;
        yield return h => h.Destination.Name_.NameId = null;
        yield return h => h.Destination.StrName = null;
        yield return h => h.Source.Name_.Component2 ^= 1;
        yield return h => h.Source.StrName.StrComponent2 = "bob2";
        yield return h => h.Destination = null;
        yield return h => h.ClearHeaderMac();
        yield return h => h.HeaderMac = ByteString.CopyFrom(new byte[31]);
        yield return h => h.HeaderMac = ByteString.CopyFrom(Hex.Decode(Tag).Select(b => (byte)(b ^ 1)).ToArray());
    }

    [Fact]
    public void Context_handles_headers_larger_than_its_initial_buffer()
    {
        var key = Hex.Decode(MacKey);
        using var context = new HeaderMacContext(key, LinkId);
        var header = VectorHeader();
        header.Identity = new string('x', 5000);
        Span<byte> tag = stackalloc byte[32];
        context.ComputeTag(header, tag);
        Assert.Equal(Hex.Encode(HeaderMac.ComputeTag(key, LinkId, header)), Hex.Encode(tag));

        header.Identity = "tok";
        context.ComputeTag(header, tag);
        Assert.Equal(Tag, Hex.Encode(tag));
    }

    [Fact]
    public void Random_headers_give_the_same_tag_both_ways_and_never_throw()
    {
        var random = new Random(7);
        var key = new byte[32];
        random.NextBytes(key);
        using var context = new HeaderMacContext(key, LinkId);
        Span<byte> tag = stackalloc byte[32];
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            SLIMHeader header;
            try
            {
                header = SLIMHeader.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }

            context.ComputeTag(header, tag);
            Assert.Equal(Hex.Encode(HeaderMac.ComputeTag(key, LinkId, header)), Hex.Encode(tag));
        }
    }
}
