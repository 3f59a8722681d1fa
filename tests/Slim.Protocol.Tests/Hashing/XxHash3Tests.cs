using System.Text;
using Slim.Protocol.Hashing;

namespace Slim.Protocol.Tests.Hashing;

public sealed class XxHash3Tests
{
    /// <summary>
    /// XXH3-128 sanity-check values published by the xxHash project (repository Cyan4973/xxHash,
    /// cli/xsum_sanity_check.c, table XSUM_XXH128_testdata). Each row: prefix length of the sanity buffer, seed,
    /// low64, high64 (the C struct is { low64, high64 }). Every length class is covered, seeded and unseeded.
    /// </summary>
    public static TheoryData<int, ulong, ulong, ulong> OfficialVectors => new()
    {
        { 0, 0, 0x6001C324468D497FUL, 0x99AA06D3014798D8UL }, // empty
        { 0, SanityBuffer.Prime32, 0x5444F7869C671AB0UL, 0x92220AE55E14AB50UL },
        { 1, 0, 0xC44BDFF4074EECDBUL, 0xA6CD5E9392000F6AUL }, // 1-3
        { 1, SanityBuffer.Prime32, 0xB53D5557E7F76F8DUL, 0x89B99554BA22467CUL },
        { 6, 0, 0x3E7039BDDA43CFC6UL, 0x082AFE0B8162D12AUL }, // 4-8
        { 6, SanityBuffer.Prime32, 0x269D8F70BE98856EUL, 0x5A865B5389ABD2B1UL },
        { 12, 0, 0x061A192713F69AD9UL, 0x6E3EFD8FC7802B18UL }, // 9-16
        { 12, SanityBuffer.Prime32, 0x9BE9F9A67F3C7DFBUL, 0xD7E09D518A3405D3UL },
        { 24, 0, 0x1E7044D28B1B901DUL, 0x0CE966E4678D3761UL }, // 17-32
        { 24, SanityBuffer.Prime32, 0xD7304C54EBAD40A9UL, 0x3162026714A6A243UL },
        { 48, 0, 0xF942219AED80F67BUL, 0xA002AC4E5478227EUL }, // 33-64
        { 48, SanityBuffer.Prime32, 0x7BA3C3E453A1934EUL, 0x163ADDE36C072295UL },
        { 81, 0, 0x5E8BAFB9F95FB803UL, 0x4952F58181AB0042UL }, // 65-96
        { 81, SanityBuffer.Prime32, 0x703FBB3D7A5F755CUL, 0x2724EC7ADC750FB6UL },
        { 222, 0, 0xF1AEBD597CEC6B3AUL, 0x337E09641B948717UL }, // 129-240
        { 222, SanityBuffer.Prime32, 0xAE995BB8AF917A8DUL, 0x91820016621E97F1UL },
        { 403, 0, 0xCDEB804D65C6DEA4UL, 0x1B6DE21E332DD73DUL }, // one block, last stripe overlapping
        { 403, SanityBuffer.Prime64, 0x6259F6ECFD6443FDUL, 0xBED311971E0BE8F2UL },
        { 512, 0, 0x617E49599013CB6BUL, 0x18D2D110DCC9BCA1UL }, // one block, ends on a stripe boundary
        { 512, SanityBuffer.Prime64, 0x3CE457DE14C27708UL, 0x925D06B8EC5B8040UL },
        { 2048, 0, 0xDD59E2C3A5F038E0UL, 0xF736557FD47073A5UL }, // 2 blocks, ends on a block boundary
        { 2048, SanityBuffer.Prime32, 0x230D43F30206260BUL, 0x7FB03F7E7186C3EAUL },
        { 2240, 0, 0x6E73A90539CF2948UL, 0xCCB134FBFA7CE49DUL }, // 3 blocks, ends on a stripe boundary
        { 2240, SanityBuffer.Prime32, 0xED385111126FBA6FUL, 0x50A1FE17B338995FUL },
        { 2367, 0, 0xCB37AEB9E5D361EDUL, 0xE89C0F6FF369B427UL }, // 3 blocks, last stripe overlapping
        { 2367, SanityBuffer.Prime32, 0x6F5360AE69C2F406UL, 0xD23AAE4B76C31ECBUL },
    };

    [Theory]
    [MemberData(nameof(OfficialVectors))]
    public void Matches_the_xxHash_sanity_vectors(int length, ulong seed, ulong low, ulong high)
    {
        var hash = XxHash3.Hash128(SanityBuffer.Bytes.AsSpan(0, length), seed);
        Assert.Equal(new UInt128(high, low), hash);
    }

    /// <summary>
    /// Beyond the official table: every length up to 2400 (all class edges, all block/stripe positions), seeded
    /// and unseeded, hashes without error and distinctly; a broken class edge tends to collide or throw.
    /// </summary>
    [Fact]
    public void Every_length_hashes_without_error_and_distinctly()
    {
        var seen = new HashSet<UInt128>();
        for (var length = 0; length <= 2400; length++)
        {
            Assert.True(seen.Add(XxHash3.Hash128(SanityBuffer.Bytes.AsSpan(0, length))), $"collision at length {length}");
            Assert.True(seen.Add(XxHash3.Hash128(SanityBuffer.Bytes.AsSpan(0, length), 42)), $"seeded collision at length {length}");
        }
    }

    /// <summary>SLIM fact (slim-v2-protocol.md section 2.3): the app id of token id "org/ns/bob_ixStf4tG".</summary>
    [Fact]
    public void Slim_app_id_vector()
    {
        var hash = XxHash3.Hash128(Encoding.UTF8.GetBytes("org/ns/bob_ixStf4tG"));
        Assert.Equal("979bbda1-cd06-67c2-2c25-f742fc4a6513", SlimName.FormatInstanceId(hash));
    }

    /// <summary>SLIM facts (slim-v2-protocol.md section 5.1): data and control channel ids seen on the wire.</summary>
    [Theory]
    [InlineData("org/ns/mod_knODiGVb/org/ns/chan/data", "b2e41a54-313c-fd61-25bb-a8dd737528de")]
    [InlineData("org/ns/mod_knODiGVb/org/ns/chan/control", "7ecec5a5-f05a-519a-7288-fcf5c03c5ec1")]
    public void Slim_channel_id_vectors(string input, string uuid)
    {
        Assert.Equal(uuid, SlimName.FormatInstanceId(XxHash3.Hash128(Encoding.UTF8.GetBytes(input))));
    }
}
