using System.Security.Cryptography;
using Slim.Testing;

namespace Slim.Crypto.Tests;

public sealed class HmacSha256KeyTests
{
    [Theory]
    // RFC 4231 test cases 1, 2, 6 and 7 (the last two with a 131-byte key of 0xaa, hashed first).
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(
        "aa*131",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")]
    [InlineData(
        "aa*131",
        "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")]
    public void Tags_match_rfc4231(string key, string message, string tag)
    {
        var keyBytes = key == "aa*131" ? Enumerable.Repeat((byte)0xaa, 131).ToArray() : Hex.Decode(key);
        using var hmac = new HmacSha256Key(keyBytes);
        var output = new byte[HmacSha256Key.TagSize];
        hmac.ComputeTag(Hex.Decode(message), output);
        Assert.Equal(tag, Hex.Encode(output));
    }

    [Fact]
    public void Repeated_tags_of_any_length_match_the_bcl_hmac()
    {
        var random = new Random(4231);
        foreach (var keyLength in new[] { 0, 1, 32, 63, 64, 65, 200 })
        {
            var key = new byte[keyLength];
            random.NextBytes(key);
            using var hmac = new HmacSha256Key(key);

            // Lengths around the block boundaries, and one above the short-input threshold.
            foreach (var length in new[] { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 500, 4096, 4097, 70_000 })
            {
                var message = new byte[length];
                random.NextBytes(message);
                var output = new byte[HmacSha256Key.TagSize];
                hmac.ComputeTag(message, output);
                Assert.Equal(HMACSHA256.HashData(key, message), output);
            }
        }
    }

    [Fact]
    public void A_short_tag_buffer_is_refused()
    {
        using var hmac = new HmacSha256Key(new byte[32]);
        Assert.Throws<ArgumentException>(() => hmac.ComputeTag([1, 2, 3], new byte[31]));
    }
}
