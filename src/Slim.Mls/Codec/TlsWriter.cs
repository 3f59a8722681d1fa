using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Slim.Mls.Codec;

/// <summary>
/// Growable writer of the TLS presentation language as MLS uses it (RFC 9420 section 2.1), over a pooled buffer.
/// </summary>
/// <remarks>
/// <para>
/// Vectors of structures are written with <see cref="BeginVector"/> / <see cref="EndVector"/>: the content is written
/// first and the minimal variable-length header is put in front of it afterwards (one byte is reserved, so only
/// vectors of 64 bytes or more move their content).
/// </para>
/// <para>
/// Always call <see cref="Dispose"/>: it wipes the written bytes (they may hold secrets) and returns the buffer to the
/// pool. Pass the writer by <c>ref</c> to encoders (<see cref="ITlsEncodable.WriteTo"/>); a copy would lose writes.
/// </para>
/// </remarks>
public ref struct TlsWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer whose first buffer holds at least <paramref name="initialCapacity"/> bytes.</summary>
    public TlsWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 64));
        _length = 0;
    }

    /// <summary>Creates a writer with a default first buffer.</summary>
    public TlsWriter()
        : this(256)
    {
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _length;

    /// <summary>The bytes written so far (valid until the next write or <see cref="Dispose"/>).</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Writes one byte.</summary>
    public void WriteUInt8(byte value)
    {
        Reserve(1)[0] = value;
    }

    /// <summary>Writes a big-endian uint16.</summary>
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    /// <summary>Writes a big-endian uint32.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    /// <summary>Writes a big-endian uint64.</summary>
    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);

    /// <summary>Writes bytes with no length header (<c>opaque x[n]</c>, or the already-encoded form of a structure).</summary>
    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>Writes a minimal variable-length integer.</summary>
    public void WriteVarint(uint value) => Varint.Write(Reserve(Varint.SizeOf(value)), value);

    /// <summary>Writes an <c>opaque x&lt;V&gt;</c> vector: the minimal length header, then the bytes.</summary>
    public void WriteVector(ReadOnlySpan<byte> value)
    {
        if ((uint)value.Length > Varint.MaxValue)
        {
            throw Varint.TooLong(value.Length);
        }

        var header = Varint.SizeOf((uint)value.Length);
        var span = Reserve(header + value.Length);
        Varint.Write(span, (uint)value.Length);
        value.CopyTo(span[header..]);
    }

    /// <summary>Writes the presence octet of an <c>optional&lt;T&gt;</c>.</summary>
    public void WritePresence(bool present) => WriteUInt8(present ? (byte)1 : (byte)0);

    /// <summary>Writes an <c>optional&lt;opaque x&lt;V&gt;&gt;</c>: absent when <paramref name="value"/> is null.</summary>
    public void WriteOptionalVector(byte[]? value)
    {
        WritePresence(value is not null);
        if (value is not null)
        {
            WriteVector(value);
        }
    }

    /// <summary>
    /// Starts a vector whose content is written next; returns the marker to hand to <see cref="EndVector"/>.
    /// Vectors may nest.
    /// </summary>
    public int BeginVector()
    {
        var marker = _length;
        Reserve(1)[0] = 0;
        return marker;
    }

    /// <summary>Ends the vector started at <paramref name="marker"/>, writing its minimal length header in front.</summary>
    public void EndVector(int marker)
    {
        var contentStart = marker + 1;
        if (marker < 0 || contentStart > _length)
        {
            throw new MlsException(MlsErrorCode.InvalidState, "EndVector called with a marker this writer did not return.");
        }

        var contentLength = _length - contentStart;
        if ((uint)contentLength > Varint.MaxValue)
        {
            throw Varint.TooLong(contentLength);
        }

        var header = Varint.SizeOf((uint)contentLength);
        if (header > 1)
        {
            Reserve(header - 1);
            _buffer.AsSpan(contentStart, contentLength).CopyTo(_buffer.AsSpan(marker + header));
        }

        Varint.Write(_buffer.AsSpan(marker, header), (uint)contentLength);
    }

    /// <summary>
    /// Returns a span of exactly <paramref name="size"/> bytes at the end of the output and counts them as written, for
    /// primitives that produce output in place (a MAC, a signature of known size).
    /// </summary>
    public Span<byte> Reserve(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (_buffer.Length - _length < size)
        {
            Grow(size);
        }

        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }

    /// <summary>Removes the last bytes written (for example an over-reserved span).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(length, _length - length));
        _length = length;
    }

    /// <summary>Copies the output into a new array.</summary>
    public readonly byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Wipes the output and returns the buffer to the pool. The writer must not be used afterwards.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        if (buffer is null)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(buffer.AsSpan(0, _length));
        _buffer = null!;
        _length = 0;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Grow(int size)
    {
        if (_buffer is null)
        {
            throw new ObjectDisposedException(nameof(TlsWriter));
        }

        var needed = (long)_length + size;
        var capacity = Math.Max(needed, (long)_buffer.Length * 2);
        if (capacity > Array.MaxLength)
        {
            capacity = needed <= Array.MaxLength ? Array.MaxLength : throw Varint.TooLong(needed);
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)capacity);
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
