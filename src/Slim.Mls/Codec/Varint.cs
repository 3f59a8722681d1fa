using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Slim.Mls.Codec;

/// <summary>
/// The variable-length integer that prefixes every <c>&lt;V&gt;</c> vector (RFC 9420 section 2.1.2): QUIC's encoding
/// restricted to 1, 2 or 4 bytes, with the minimum-length rule.
/// </summary>
/// <remarks>
/// <code>
///  first byte
/// +--+------+          value range          total size
/// |00| 6 b  |                     0..63     1 byte
/// |01| 6 b  | + 1 byte           64..16383  2 bytes
/// |10| 6 b  | + 3 bytes       16384..2^30-1 4 bytes
/// |11|      | invalid in MLS (8-byte form not allowed)
/// +--+------+
/// </code>
/// A value encoded with more bytes than it needs is malformed.
/// </remarks>
public static class Varint
{
    /// <summary>Largest value (and so the largest vector length) a variable-length integer can hold: 2^30 - 1.</summary>
    public const uint MaxValue = (1u << 30) - 1;

    /// <summary>Outcome of <see cref="TryRead"/>.</summary>
    public enum ReadStatus
    {
        /// <summary>A minimal encoding was read.</summary>
        Done,

        /// <summary>The input ended inside the integer.</summary>
        Truncated,

        /// <summary>The first two bits are <c>0b11</c>.</summary>
        InvalidPrefix,

        /// <summary>The value fits a shorter encoding.</summary>
        NonMinimal,
    }

    /// <summary>Number of bytes the minimal encoding of <paramref name="value"/> takes (1, 2 or 4).</summary>
    /// <exception cref="MlsException"><paramref name="value"/> exceeds <see cref="MaxValue"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(uint value) => value switch
    {
        <= 63 => 1,
        <= 16383 => 2,
        <= MaxValue => 4,
        _ => throw TooLong(value),
    };

    /// <summary>Writes the minimal encoding of <paramref name="value"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, uint value)
    {
        switch (SizeOf(value))
        {
            case 1:
                destination[0] = (byte)value;
                return 1;
            case 2:
                BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(0x4000 | value));
                return 2;
            default:
                BinaryPrimitives.WriteUInt32BigEndian(destination, 0x8000_0000u | value);
                return 4;
        }
    }

    /// <summary>Reads one variable-length integer from the front of <paramref name="source"/>.</summary>
    public static ReadStatus TryRead(ReadOnlySpan<byte> source, out uint value, out int consumed)
    {
        value = 0;
        consumed = 0;
        if (source.IsEmpty)
        {
            return ReadStatus.Truncated;
        }

        var prefix = source[0] >> 6;
        switch (prefix)
        {
            case 0:
                value = source[0];
                consumed = 1;
                return ReadStatus.Done;
            case 1:
                if (source.Length < 2)
                {
                    return ReadStatus.Truncated;
                }

                value = BinaryPrimitives.ReadUInt16BigEndian(source) & 0x3FFFu;
                if (value < 64)
                {
                    return ReadStatus.NonMinimal;
                }

                consumed = 2;
                return ReadStatus.Done;
            case 2:
                if (source.Length < 4)
                {
                    return ReadStatus.Truncated;
                }

                value = BinaryPrimitives.ReadUInt32BigEndian(source) & 0x3FFF_FFFFu;
                if (value < 16384)
                {
                    return ReadStatus.NonMinimal;
                }

                consumed = 4;
                return ReadStatus.Done;
            default:
                return ReadStatus.InvalidPrefix;
        }
    }

    internal static MlsException TooLong(long value) =>
        new(MlsErrorCode.EncodeVectorTooLong, $"Vector length {value} exceeds the variable-length header maximum {MaxValue}.");
}
