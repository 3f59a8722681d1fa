using Slim.Testing;

namespace Slim.Crypto.Tests;

public sealed class X25519Tests
{
    // RFC 7748 section 6.1.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

    [Fact]
    public void Scalar_multiplication_matches_rfc7748_section_5_2()
    {
        var output = X25519.Agree(
            Hex.Decode("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
            Hex.Decode("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
        Assert.Equal("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", Hex.Encode(output));
    }

    [Fact]
    public void Public_keys_match_rfc7748()
    {
        Assert.Equal(AlicePublic, Hex.Encode(X25519.GetPublicKey(Hex.Decode(AlicePrivate))));
        Assert.Equal(BobPublic, Hex.Encode(X25519.GetPublicKey(Hex.Decode(BobPrivate))));
    }

    [Fact]
    public void Both_sides_agree_on_the_rfc7748_shared_secret()
    {
        var ab = X25519.Agree(Hex.Decode(AlicePrivate), Hex.Decode(BobPublic));
        var ba = X25519.Agree(Hex.Decode(BobPrivate), Hex.Decode(AlicePublic));
        Assert.Equal(ab, ba);
        Assert.StartsWith("4a5d9d5b", Hex.Encode(ab), StringComparison.Ordinal);
        Assert.EndsWith("1e161742", Hex.Encode(ab), StringComparison.Ordinal);
    }
}
