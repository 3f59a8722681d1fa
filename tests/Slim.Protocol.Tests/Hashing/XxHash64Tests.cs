using System.Text;
using Slim.Protocol.Hashing;

namespace Slim.Protocol.Tests.Hashing;

public sealed class XxHash64Tests
{
    /// <summary>
    /// XXH64 sanity-check values published by the xxHash project (repository Cyan4973/xxHash,
    /// cli/xsum_sanity_check.c, table XSUM_XXH64_testdata): (length of the sanity buffer prefix, seed, hash).
    /// </summary>
    public static TheoryData<int, ulong, ulong> OfficialVectors => new()
    {
        { 0, 0, 0xEF46DB3751D8E999UL },
        { 0, SanityBuffer.Prime32, 0xAC75FDA2929B17EFUL },
        { 1, 0, 0xE934A84ADB052768UL },
        { 1, SanityBuffer.Prime32, 0x5014607643A9B4C3UL },
        { 4, 0, 0x9136A0DCA57457EEUL },
        { 14, 0, 0x8282DCC4994E35C8UL },
        { 14, SanityBuffer.Prime32, 0xC3BD6BF63DEB6DF0UL },
        { 222, 0, 0xB641AE8CB691C174UL },
        { 222, SanityBuffer.Prime32, 0x20CB8AB7AE10C14AUL },
    };

    [Theory]
    [MemberData(nameof(OfficialVectors))]
    public void Matches_the_xxHash_sanity_vectors(int length, ulong seed, ulong expected)
    {
        Assert.Equal(expected, XxHash64.Hash(SanityBuffer.Bytes.AsSpan(0, length), seed));
    }

    /// <summary>SLIM facts (slim-v2-protocol.md section 2.3): XXH64(utf8(s) ‖ 0xFF, seed 0) as seen on the wire.</summary>
    [Theory]
    [InlineData("org", 0x873e580376ea963bUL)]
    [InlineData("ns", 0xeef9769a4c6990d1UL)]
    [InlineData("bob", 0x49ae1b437ae573c4UL)]
    [InlineData("alice", 0x7b90bc8fa5b6b182UL)]
    [InlineData("default", 0x219303c7c93f9668UL)]
    [InlineData("app", 0x86cb542776a5f6d5UL)]
    [InlineData("", 0x95634172a60b7544UL)]
    public void Slim_component_hashes_match_the_wire(string component, ulong expected)
    {
        var withSuffix = Encoding.UTF8.GetBytes(component).Append((byte)0xFF).ToArray();
        Assert.Equal(expected, XxHash64.Hash(withSuffix));
        Assert.Equal(expected, XxHash64.HashWithSuffix(Encoding.UTF8.GetBytes(component), 0xFF));
        Assert.Equal(expected, SlimName.HashComponent(component));
    }

    [Fact]
    public void HashWithSuffix_equals_hashing_the_joined_buffer_for_every_length_and_seed()
    {
        // Covers every position of the suffix relative to the 32-byte stripes and the 8/4/1-byte tail steps.
        foreach (var seed in new ulong[] { 0, SanityBuffer.Prime32, ulong.MaxValue })
        {
            for (var length = 0; length <= 300; length++)
            {
                var data = SanityBuffer.Bytes.AsSpan(0, length);
                var joined = new byte[length + 1];
                data.CopyTo(joined);
                joined[length] = 0xA5;
                Assert.Equal(XxHash64.Hash(joined, seed), XxHash64.HashWithSuffix(data, 0xA5, seed));
            }
        }
    }

    [Fact]
    public void Long_input_hashes_differ_from_their_prefixes()
    {
        // A change in the last byte of a multi-stripe input changes the hash (the stripe loop consumes it).
        var data = SanityBuffer.Bytes.AsSpan(0, 4096).ToArray();
        var before = XxHash64.Hash(data);
        data[^1] ^= 1;
        Assert.NotEqual(before, XxHash64.Hash(data));
    }
}
