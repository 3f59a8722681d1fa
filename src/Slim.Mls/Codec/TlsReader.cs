using System.Buffers.Binary;

namespace Slim.Mls.Codec;

/// <summary>
/// Forward-only reader of the TLS presentation language as MLS uses it (RFC 9420 section 2.1): big-endian fixed-size
/// integers, fixed-size byte arrays, <c>&lt;V&gt;</c> vectors with a variable-length header, and <c>optional&lt;T&gt;</c>.
/// </summary>
/// <remarks>
/// Every <c>TryRead…</c> returns false without moving when the input is short or malformed; the matching
/// <c>Read…</c> throws <see cref="MlsDecodeException"/> (and nothing else). A declared vector length is compared with
/// the remaining input before anything is sliced or allocated, so a hostile length cannot cause a large allocation.
/// Vectors are returned as slices of the input: no copy is made unless a <c>…Bytes</c> method is used.
/// </remarks>
public ref struct TlsReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _origin;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    public TlsReader(ReadOnlySpan<byte> buffer)
        : this(buffer, 0)
    {
    }

    private TlsReader(ReadOnlySpan<byte> buffer, int origin)
    {
        _buffer = buffer;
        _origin = origin;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left to read.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsEnd => _position == _buffer.Length;

    /// <summary>The unread part of the input.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    /// <summary>The whole input this reader was created over (for re-encoding a consumed range byte for byte).</summary>
    public readonly ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Tries to read one byte.</summary>
    public bool TryReadUInt8(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    /// <summary>Reads one byte.</summary>
    public byte ReadUInt8() => TryReadUInt8(out var v) ? v : throw Truncated(1);

    /// <summary>Tries to read a big-endian uint16.</summary>
    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_buffer[_position..]);
        _position += 2;
        return true;
    }

    /// <summary>Reads a big-endian uint16.</summary>
    public ushort ReadUInt16() => TryReadUInt16(out var v) ? v : throw Truncated(2);

    /// <summary>Tries to read a big-endian uint32.</summary>
    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_buffer[_position..]);
        _position += 4;
        return true;
    }

    /// <summary>Reads a big-endian uint32.</summary>
    public uint ReadUInt32() => TryReadUInt32(out var v) ? v : throw Truncated(4);

    /// <summary>Tries to read a big-endian uint64.</summary>
    public bool TryReadUInt64(out ulong value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(_buffer[_position..]);
        _position += 8;
        return true;
    }

    /// <summary>Reads a big-endian uint64.</summary>
    public ulong ReadUInt64() => TryReadUInt64(out var v) ? v : throw Truncated(8);

    /// <summary>Tries to read a fixed-size byte array (<c>opaque x[n]</c>) as a slice of the input.</summary>
    public bool TryReadFixed(int count, out ReadOnlySpan<byte> value)
    {
        if (count < 0 || Remaining < count)
        {
            value = default;
            return false;
        }

        value = _buffer.Slice(_position, count);
        _position += count;
        return true;
    }

    /// <summary>Reads a fixed-size byte array (<c>opaque x[n]</c>) as a slice of the input.</summary>
    public ReadOnlySpan<byte> ReadFixed(int count) => TryReadFixed(count, out var v) ? v : throw Truncated(count);

    /// <summary>Tries to read a variable-length integer (minimal encoding required).</summary>
    public bool TryReadVarint(out uint value)
    {
        if (Varint.TryRead(RemainingSpan, out value, out var consumed) != Varint.ReadStatus.Done)
        {
            return false;
        }

        _position += consumed;
        return true;
    }

    /// <summary>Reads a variable-length integer (minimal encoding required).</summary>
    public uint ReadVarint()
    {
        switch (Varint.TryRead(RemainingSpan, out var value, out var consumed))
        {
            case Varint.ReadStatus.Done:
                _position += consumed;
                return value;
            case Varint.ReadStatus.Truncated:
                throw Error(MlsErrorCode.DecodeTruncated, "Input ends inside a variable-length integer");
            case Varint.ReadStatus.InvalidPrefix:
                throw Error(MlsErrorCode.DecodeInvalidVarintPrefix, "Variable-length integer uses the reserved 0b11 prefix");
            default:
                throw Error(MlsErrorCode.DecodeNonMinimalVarint, $"Variable-length integer {value} is not minimally encoded");
        }
    }

    /// <summary>Tries to read an <c>opaque x&lt;V&gt;</c> vector as a slice of the input.</summary>
    public bool TryReadVector(out ReadOnlySpan<byte> value)
    {
        var start = _position;
        if (!TryReadVarint(out var length) || length > (uint)Remaining)
        {
            _position = start;
            value = default;
            return false;
        }

        value = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }

    /// <summary>Reads an <c>opaque x&lt;V&gt;</c> vector as a slice of the input.</summary>
    public ReadOnlySpan<byte> ReadVector()
    {
        var length = ReadVarint();
        if (length > (uint)Remaining)
        {
            _position -= Varint.SizeOf(length);
            throw Error(MlsErrorCode.DecodeTruncated, $"Vector declares {length} bytes but only {Remaining} remain");
        }

        var value = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>Reads an <c>opaque x&lt;V&gt;</c> vector into a new array.</summary>
    public byte[] ReadVectorBytes() => ReadVector().ToArray();

    /// <summary>
    /// Reads the header of a vector of structures and returns a reader over exactly its content, for element-by-element
    /// decoding (<c>while (!inner.IsEnd) { ... }</c>). Positions reported by the inner reader stay absolute.
    /// </summary>
    public TlsReader ReadVectorReader()
    {
        var content = ReadVector();
        return new TlsReader(content, _origin + _position - content.Length);
    }

    /// <summary>Reads the presence octet of an <c>optional&lt;T&gt;</c>: true when a value follows.</summary>
    public bool ReadPresence()
    {
        var present = ReadUInt8();
        return present switch
        {
            0 => false,
            1 => true,
            _ => throw Error(MlsErrorCode.DecodeInvalidOptional, $"Optional presence octet is {present}", -1),
        };
    }

    /// <summary>Reads an <c>optional&lt;opaque x&lt;V&gt;&gt;</c>; null when absent.</summary>
    public byte[]? ReadOptionalVectorBytes() => ReadPresence() ? ReadVectorBytes() : null;

    /// <summary>Throws <see cref="MlsDecodeException"/> unless every byte was consumed.</summary>
    public readonly void EnsureEnd()
    {
        if (!IsEnd)
        {
            throw Error(MlsErrorCode.DecodeTrailingData, $"{Remaining} unexpected bytes after the structure");
        }
    }

    /// <summary>Builds the decode error for a structure-level problem found at the current position.</summary>
    public readonly MlsDecodeException Error(MlsErrorCode code, string message, int offset = 0) =>
        new(code, message, _origin + _position + offset);

    private readonly MlsDecodeException Truncated(int needed) =>
        Error(MlsErrorCode.DecodeTruncated, $"Needed {needed} bytes but only {Remaining} remain");
}
