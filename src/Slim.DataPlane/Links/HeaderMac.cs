using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Links;

/// <summary>
/// The per-link header MAC of SLIM v2: HMAC-SHA256 over a canonical encoding of the routing header, keyed per link
/// from the X25519 exchange of link negotiation.
/// </summary>
/// <remarks>
/// <para>
/// Key: <c>HKDF-SHA256(ikm = X25519 shared secret, salt = UTF-8(link_id), info = "SLIM-DP-inter-node-hmac-v1")</c>,
/// 32 bytes. Tag: <c>HMAC-SHA256(key, preimage)</c>, 32 bytes, carried in <c>SLIMHeader.header_mac</c>. The sender
/// of each hop computes it over the header as sent (flags cleared, ttl final); the receiver verifies it before it
/// decrements the ttl.
/// </para>
/// <para>Preimage (integers little-endian):</para>
/// <code>
/// "SLIM-DP-HDR-v1\0"                        15 bytes
/// u32 len(link_id) | link_id                 UTF-8
/// enc(source) | enc(destination)
/// u32 len(identity) | identity               UTF-8
/// u32 fanout
/// opt64(recv_from) | opt64(forward_to)       0, or 1 + u64
/// optbool(error)                             0, or 1 + (0|1)
/// u32 ttl
///
/// enc(Name)  = 0                              (no Name)
///            | 1 enc(EncodedName) enc(StringName)
/// enc(EncodedName) = 0 | 1 u64 c0 u64 c1 u64 c2 (0 | 1 u64 id_0 u64 id_1)
/// enc(StringName)  = 0 | 1 (u32 len | UTF-8) x 3
/// </code>
/// <para>
/// <c>version</c>, <c>incoming_conn</c>, <c>header_mac</c>, <c>e2e_header_sig</c>, the session header, the payload
/// and the metadata are not covered. The presence of <c>name_id</c> and <c>str_name</c> is: relays must preserve it.
/// </para>
/// </remarks>
public static class HeaderMac
{
    /// <summary>Size of the MAC key in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>Size of the tag in bytes.</summary>
    public const int TagSize = 32;

    /// <summary>The HKDF <c>info</c> string of the classical (X25519-only) key.</summary>
    public const string KeyDerivationInfo = "SLIM-DP-inter-node-hmac-v1";

    private static readonly byte[] Domain = "SLIM-DP-HDR-v1\0"u8.ToArray();
    private static readonly byte[] InfoBytes = Encoding.UTF8.GetBytes(KeyDerivationInfo);

    /// <summary>Derives the 32-byte MAC key of a link from the X25519 shared secret and the link id.</summary>
    public static byte[] DeriveKey(ReadOnlySpan<byte> sharedSecret, string linkId)
    {
        var key = new byte[KeySize];
        DeriveKey(sharedSecret, linkId, key);
        return key;
    }

    /// <summary>Derives the MAC key into <paramref name="key"/> (32 bytes).</summary>
    public static void DeriveKey(ReadOnlySpan<byte> sharedSecret, string linkId, Span<byte> key)
    {
        ArgumentNullException.ThrowIfNull(linkId);
        if (key.Length < KeySize)
        {
            throw new ArgumentException($"The key buffer must hold {KeySize} bytes.", nameof(key));
        }

        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, key[..KeySize], Encoding.UTF8.GetBytes(linkId), InfoBytes);
    }

    /// <summary>The preimage bytes of <paramref name="header"/> on the link <paramref name="linkId"/>.</summary>
    public static byte[] ComputePreimage(string linkId, SLIMHeader header)
    {
        ArgumentNullException.ThrowIfNull(linkId);
        ArgumentNullException.ThrowIfNull(header);
        var link = Encoding.UTF8.GetBytes(linkId);
        var preimage = new byte[GetPreimageLength(LinkPrefixLength(link.Length), header)];
        var written = WritePrefix(preimage, link);
        WriteHeader(preimage.AsSpan(written), header);
        return preimage;
    }

    /// <summary>The 32-byte tag of <paramref name="header"/> (its current <c>header_mac</c> is ignored).</summary>
    public static byte[] ComputeTag(ReadOnlySpan<byte> key, string linkId, SLIMHeader header)
    {
        var tag = new byte[TagSize];
        ComputeTag(key, linkId, header, tag);
        return tag;
    }

    /// <summary>Computes the tag into <paramref name="tag"/> (32 bytes).</summary>
    public static void ComputeTag(ReadOnlySpan<byte> key, string linkId, SLIMHeader header, Span<byte> tag)
    {
        var preimage = ComputePreimage(linkId, header);
        HMACSHA256.HashData(key, preimage, tag);
    }

    /// <summary>
    /// True when <paramref name="header"/> carries a 32-byte <c>header_mac</c> equal to the tag computed with
    /// <paramref name="key"/> (compared in constant time).
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, string linkId, SLIMHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (!header.HasHeaderMac || header.HeaderMac.Length != TagSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[TagSize];
        ComputeTag(key, linkId, header, expected);
        return CryptographicOperations.FixedTimeEquals(expected, header.HeaderMac.Span);
    }

    // ---- encoding shared with the per-link contexts ------------------------------------------------------------

    internal static int LinkPrefixLength(int linkIdByteCount) => Domain.Length + 4 + linkIdByteCount;

    internal static int WritePrefix(Span<byte> destination, ReadOnlySpan<byte> linkIdUtf8)
    {
        Domain.CopyTo(destination);
        var offset = Domain.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], (uint)linkIdUtf8.Length);
        offset += 4;
        linkIdUtf8.CopyTo(destination[offset..]);
        return offset + linkIdUtf8.Length;
    }

    internal static int GetPreimageLength(int prefixLength, SLIMHeader header) =>
        prefixLength
        + NameLength(header.Source)
        + NameLength(header.Destination)
        + 4 + Encoding.UTF8.GetByteCount(header.Identity)
        + 4
        + (header.HasRecvFrom ? 9 : 1)
        + (header.HasForwardTo ? 9 : 1)
        + (header.HasError ? 2 : 1)
        + 4;

    internal static int WriteHeader(Span<byte> destination, SLIMHeader header)
    {
        var offset = WriteName(destination, header.Source);
        offset += WriteName(destination[offset..], header.Destination);
        offset += WriteString(destination[offset..], header.Identity);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], header.Fanout);
        offset += 4;
        offset += WriteOptional(destination[offset..], header.HasRecvFrom, header.RecvFrom);
        offset += WriteOptional(destination[offset..], header.HasForwardTo, header.ForwardTo);
        if (header.HasError)
        {
            destination[offset++] = 1;
            destination[offset++] = header.Error ? (byte)1 : (byte)0;
        }
        else
        {
            destination[offset++] = 0;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], header.Ttl);
        return offset + 4;
    }

    private static int NameLength(Name? name)
    {
        if (name is null)
        {
            return 1;
        }

        var length = 1;
        length += name.Name_ is { } encoded ? 1 + 24 + (encoded.NameId is null ? 1 : 17) : 1;
        length += name.StrName is { } strings
            ? 1 + 12
              + Encoding.UTF8.GetByteCount(strings.StrComponent0)
              + Encoding.UTF8.GetByteCount(strings.StrComponent1)
              + Encoding.UTF8.GetByteCount(strings.StrComponent2)
            : 1;
        return length;
    }

    private static int WriteName(Span<byte> destination, Name? name)
    {
        if (name is null)
        {
            destination[0] = 0;
            return 1;
        }

        destination[0] = 1;
        var offset = 1;
        if (name.Name_ is { } encoded)
        {
            destination[offset++] = 1;
            BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], encoded.Component0);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 8)..], encoded.Component1);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 16)..], encoded.Component2);
            offset += 24;
            if (encoded.NameId is { } id)
            {
                destination[offset++] = 1;
                BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], id.Id0);
                BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 8)..], id.Id1);
                offset += 16;
            }
            else
            {
                destination[offset++] = 0;
            }
        }
        else
        {
            destination[offset++] = 0;
        }

        if (name.StrName is { } strings)
        {
            destination[offset++] = 1;
            offset += WriteString(destination[offset..], strings.StrComponent0);
            offset += WriteString(destination[offset..], strings.StrComponent1);
            offset += WriteString(destination[offset..], strings.StrComponent2);
        }
        else
        {
            destination[offset++] = 0;
        }

        return offset;
    }

    private static int WriteString(Span<byte> destination, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)written);
        return 4 + written;
    }

    private static int WriteOptional(Span<byte> destination, bool present, ulong value)
    {
        if (!present)
        {
            destination[0] = 0;
            return 1;
        }

        destination[0] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[1..], value);
        return 9;
    }
}
