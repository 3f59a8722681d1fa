using System.Security.Cryptography;
using Slim.Mls.Codec;

namespace Slim.Mls.Tests.Codec;

public sealed class TlsCodecTests
{
    [Fact]
    public void Fixed_integers_are_big_endian_and_round_trip()
    {
        var writer = new TlsWriter();
        try
        {
            writer.WriteUInt8(0x01);
            writer.WriteUInt16(0x0203);
            writer.WriteUInt32(0x04050607);
            writer.WriteUInt64(0x08090a0b0c0d0e0f);
            Assert.Equal("0102030405060708090a0b0c0d0e0f", Convert.ToHexStringLower(writer.WrittenSpan));

            var reader = new TlsReader(writer.WrittenSpan);
            Assert.Equal(0x01, reader.ReadUInt8());
            Assert.Equal(0x0203, reader.ReadUInt16());
            Assert.Equal(0x04050607u, reader.ReadUInt32());
            Assert.Equal(0x08090a0b0c0d0e0fUL, reader.ReadUInt64());
            reader.EnsureEnd();
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(70000)]
    public void Nested_vectors_get_minimal_headers_at_every_size(int size)
    {
        var payload = RandomNumberGenerator.GetBytes(size);
        var writer = new TlsWriter(16);
        try
        {
            var outer = writer.BeginVector();
            writer.WriteUInt8(0xAA);
            var inner = writer.BeginVector();
            writer.WriteBytes(payload);
            writer.EndVector(inner);
            writer.WriteVector(payload);
            writer.EndVector(outer);

            var reader = new TlsReader(writer.WrittenSpan);
            var outerReader = reader.ReadVectorReader();
            reader.EnsureEnd();
            Assert.Equal(0xAA, outerReader.ReadUInt8());
            Assert.Equal(payload, outerReader.ReadVector().ToArray());
            Assert.Equal(payload, outerReader.ReadVectorBytes());
            outerReader.EnsureEnd();

            var innerLength = Varint.SizeOf((uint)size) + size;
            var expected = Varint.SizeOf((uint)(1 + (2 * innerLength))) + 1 + (2 * innerLength);
            Assert.Equal(expected, writer.Length);
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void A_vector_longer_than_the_remaining_input_is_rejected_before_slicing()
    {
        // Declares 16384 bytes, holds 3.
        var input = Convert.FromHexString("80004000aabbcc");
        var reader = new TlsReader(input);
        Assert.False(reader.TryReadVector(out _));
        Assert.Equal(0, reader.Position);
        var error = Assert.Throws<MlsDecodeException>(() => new TlsReader(input).ReadVector());
        Assert.Equal(MlsErrorCode.DecodeTruncated, error.ErrorCode);
    }

    [Theory]
    [InlineData("00", false)]
    [InlineData("0103616263", true)]
    public void Optional_values_round_trip(string hex, bool present)
    {
        var reader = new TlsReader(Convert.FromHexString(hex));
        var value = reader.ReadOptionalVectorBytes();
        reader.EnsureEnd();
        Assert.Equal(present, value is not null);

        var writer = new TlsWriter();
        try
        {
            writer.WriteOptionalVector(value);
            Assert.Equal(hex, Convert.ToHexStringLower(writer.WrittenSpan));
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void An_optional_presence_octet_other_than_zero_or_one_is_malformed()
    {
        var error = Assert.Throws<MlsDecodeException>(() => new TlsReader([0x02, 0x00]).ReadPresence());
        Assert.Equal(MlsErrorCode.DecodeInvalidOptional, error.ErrorCode);
        Assert.Equal(0, error.Position);
    }

    [Fact]
    public void Trailing_bytes_are_reported_with_their_position()
    {
        var error = Assert.Throws<MlsDecodeException>(() =>
        {
            var reader = new TlsReader([0x00, 0x01, 0x02]);
            reader.ReadUInt16();
            reader.EnsureEnd();
        });
        Assert.Equal(MlsErrorCode.DecodeTrailingData, error.ErrorCode);
        Assert.Equal(2, error.Position);
    }

    [Fact]
    public void Positions_inside_nested_readers_stay_absolute()
    {
        var error = Assert.Throws<MlsDecodeException>(() =>
        {
            var reader = new TlsReader([0xFF, 0x02, 0x07, 0x08]);
            reader.ReadUInt8();
            var inner = reader.ReadVectorReader();
            inner.ReadUInt32();
        });
        Assert.Equal(MlsErrorCode.DecodeTruncated, error.ErrorCode);
        Assert.Equal(2, error.Position);
    }

    [Fact]
    public void Random_bytes_only_ever_produce_the_typed_decode_error()
    {
        var random = new Random(20261122);
        var buffer = new byte[64];
        for (var i = 0; i < 20000; i++)
        {
            var input = buffer.AsSpan(0, random.Next(buffer.Length + 1));
            random.NextBytes(input);
            try
            {
                var reader = new TlsReader(input);
                while (!reader.IsEnd)
                {
                    switch (random.Next(6))
                    {
                        case 0:
                            reader.ReadVarint();
                            break;
                        case 1:
                            reader.ReadVector();
                            break;
                        case 2:
                            reader.ReadOptionalVectorBytes();
                            break;
                        case 3:
                            var inner = reader.ReadVectorReader();
                            while (!inner.IsEnd)
                            {
                                inner.ReadVector();
                            }

                            break;
                        case 4:
                            reader.ReadUInt32();
                            break;
                        default:
                            reader.ReadFixed(random.Next(8));
                            break;
                    }
                }
            }
            catch (MlsDecodeException)
            {
                // The only permitted failure.
            }
        }
    }
}
