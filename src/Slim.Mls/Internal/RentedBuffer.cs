using System.Buffers;
using System.Security.Cryptography;

namespace Slim.Mls.Internal;

/// <summary>
/// A pooled scratch buffer of an exact length that is wiped when disposed (scratch data often holds secrets).
/// Use with <c>using var</c>; the span is valid until disposal.
/// </summary>
internal ref struct RentedBuffer
{
    private byte[]? _array;

    public RentedBuffer(int length)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        Span = _array.AsSpan(0, length);
    }

    public Span<byte> Span { get; }

    public void Dispose()
    {
        if (_array is not null)
        {
            CryptographicOperations.ZeroMemory(Span);
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }
    }
}
