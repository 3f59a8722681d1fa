using System.Security.Cryptography;
using System.Text;
using Slim.Crypto;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Links.Internal;

/// <summary>
/// One direction of a link's header MAC: the link key with its HMAC pads precomputed (<see cref="HmacSha256Key"/>, a
/// tag per message is a few short native calls) and a preimage buffer whose first bytes (domain and link id) are
/// written once. Not thread-safe: the read loop owns one, the write loop another.
/// </summary>
internal sealed class HeaderMacContext : IDisposable
{
    private readonly HmacSha256Key _hmac;
    private readonly int _prefixLength;
    private byte[] _buffer;

    public HeaderMacContext(ReadOnlySpan<byte> key, string linkId)
    {
        _hmac = new HmacSha256Key(key);
        var link = Encoding.UTF8.GetBytes(linkId);
        _prefixLength = HeaderMac.LinkPrefixLength(link.Length);
        _buffer = new byte[Math.Max(512, _prefixLength * 2)];
        HeaderMac.WritePrefix(_buffer, link);
    }

    /// <summary>Computes the tag of <paramref name="header"/> into <paramref name="tag"/> (32 bytes).</summary>
    public void ComputeTag(SLIMHeader header, Span<byte> tag)
    {
        var length = HeaderMac.GetPreimageLength(_prefixLength, header);
        if (length > _buffer.Length)
        {
            var larger = new byte[Math.Max(length, _buffer.Length * 2)];
            _buffer.AsSpan(0, _prefixLength).CopyTo(larger);
            _buffer = larger;
        }

        HeaderMac.WriteHeader(_buffer.AsSpan(_prefixLength), header);
        _hmac.ComputeTag(_buffer.AsSpan(0, length), tag);
    }

    /// <summary>
    /// The preimage area after the link prefix, at least <paramref name="length"/> bytes: a caller that already has
    /// the header's fields as bytes writes them here and calls <see cref="ComputeTagOverBody"/>.
    /// </summary>
    public Span<byte> BodyBuffer(int length)
    {
        if (_prefixLength + length > _buffer.Length)
        {
            var larger = new byte[Math.Max(_prefixLength + length, _buffer.Length * 2)];
            _buffer.AsSpan(0, _prefixLength).CopyTo(larger);
            _buffer = larger;
        }

        return _buffer.AsSpan(_prefixLength, length);
    }

    /// <summary>The tag over the link prefix and the first <paramref name="length"/> bytes of <see cref="BodyBuffer"/>.</summary>
    public void ComputeTagOverBody(int length, Span<byte> tag)
    {
        _hmac.ComputeTag(_buffer.AsSpan(0, _prefixLength + length), tag);
    }

    /// <summary>The tag over the link prefix and <paramref name="body"/> (copied into the preimage buffer).</summary>
    public void ComputeTag(ReadOnlySpan<byte> body, Span<byte> tag)
    {
        body.CopyTo(BodyBuffer(body.Length));
        ComputeTagOverBody(body.Length, tag);
    }

    /// <summary>True when the header carries a valid 32-byte tag (constant-time comparison).</summary>
    public bool Verify(SLIMHeader header)
    {
        if (!header.HasHeaderMac || header.HeaderMac.Length != HeaderMac.TagSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HeaderMac.TagSize];
        ComputeTag(header, expected);
        return CryptographicOperations.FixedTimeEquals(expected, header.HeaderMac.Span);
    }

    public void Dispose()
    {
        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_buffer);
    }
}
