using Slim.Mls.Codec;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Codec;

public sealed class VarintTests
{
    public static TheoryData<int> DeserializationCases()
    {
        var rows = new TheoryData<int>();
        for (var i = 0; i < VectorFile.Mls("deserialization.json").Length; i++)
        {
            rows.Add(i);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(DeserializationCases))]
    public void Deserialization_vector_decodes_and_reencodes_byte_for_byte(int index)
    {
        var entry = VectorFile.Mls("deserialization.json")[index];
        var header = entry.Bytes("vlbytes_header");
        var length = (uint)entry.UInt64("length");

        var reader = new TlsReader(header);
        Assert.Equal(length, reader.ReadVarint());
        Assert.True(reader.IsEnd);

        var encoded = new byte[4];
        var written = Varint.Write(encoded, length);
        Assert.Equal(header, encoded[..written]);
        Assert.Equal(header.Length, Varint.SizeOf(length));
    }

    [Theory]
    [InlineData("9d7f3e7d", 494878333u)]
    [InlineData("7bbd", 15293u)]
    [InlineData("25", 37u)]
    [InlineData("3f", 63u)]
    [InlineData("4040", 64u)]
    [InlineData("7fff", 16383u)]
    [InlineData("80004000", 16384u)]
    [InlineData("bfffffff", 1073741823u)]
    public void Rfc_examples_and_boundaries_round_trip(string hex, uint value)
    {
        var reader = new TlsReader(Convert.FromHexString(hex));
        Assert.Equal(value, reader.ReadVarint());
        var buffer = new byte[4];
        Assert.Equal(hex, Convert.ToHexStringLower(buffer.AsSpan(0, Varint.Write(buffer, value))));
    }

    [Theory]
    [InlineData("4000")] // 0 in two bytes
    [InlineData("403f")] // 63 in two bytes
    [InlineData("80000000")] // 0 in four bytes
    [InlineData("80003fff")] // 16383 in four bytes
    public void Non_minimal_encodings_are_rejected(string hex)
    {
        var reader = new TlsReader(Convert.FromHexString(hex));
        Assert.False(reader.TryReadVarint(out _));
        Assert.Equal(0, reader.Position);
        var error = Assert.Throws<MlsDecodeException>(() => new TlsReader(Convert.FromHexString(hex)).ReadVarint());
        Assert.Equal(MlsErrorCode.DecodeNonMinimalVarint, error.ErrorCode);
    }

    [Theory]
    [InlineData("c000000000000000")]
    [InlineData("ff")]
    public void The_eight_byte_prefix_is_rejected(string hex)
    {
        var error = Assert.Throws<MlsDecodeException>(() => new TlsReader(Convert.FromHexString(hex)).ReadVarint());
        Assert.Equal(MlsErrorCode.DecodeInvalidVarintPrefix, error.ErrorCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("40")]
    [InlineData("80")]
    [InlineData("800040")]
    public void Truncated_varints_are_rejected(string hex)
    {
        var error = Assert.Throws<MlsDecodeException>(() => new TlsReader(Convert.FromHexString(hex)).ReadVarint());
        Assert.Equal(MlsErrorCode.DecodeTruncated, error.ErrorCode);
    }

    [Fact]
    public void Values_above_two_to_the_thirty_cannot_be_encoded()
    {
        var error = Assert.Throws<MlsException>(() => Varint.SizeOf(Varint.MaxValue + 1));
        Assert.Equal(MlsErrorCode.EncodeVectorTooLong, error.ErrorCode);
    }

    [Fact]
    public void Every_value_round_trips_across_the_size_boundaries()
    {
        Span<byte> buffer = stackalloc byte[4];
        foreach (var value in Boundaries())
        {
            var written = Varint.Write(buffer, value);
            Assert.Equal(Varint.ReadStatus.Done, Varint.TryRead(buffer[..written], out var decoded, out var consumed));
            Assert.Equal(value, decoded);
            Assert.Equal(written, consumed);
        }

        static IEnumerable<uint> Boundaries()
        {
            foreach (var edge in new uint[] { 0, 63, 64, 16383, 16384, Varint.MaxValue })
            {
                for (var d = -2L; d <= 2; d++)
                {
                    var v = edge + d;
                    if (v is >= 0 and <= Varint.MaxValue)
                    {
                        yield return (uint)v;
                    }
                }
            }
        }
    }
}
