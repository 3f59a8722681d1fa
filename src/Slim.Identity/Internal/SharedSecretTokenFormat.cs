using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Slim.Identity.Internal;

/// <summary>
/// The shared-secret token of official SLIM (not a JWT).
/// </summary>
/// <remarks>
/// <code>
/// id : unix_ts : nonce : claims : mac
/// |    |         |       |        +-- base64url-nopad(HMAC-SHA256(UTF-8 secret, "id:unix_ts:nonce:claims")), 43 chars
/// |    |         |       +----------- base64url-nopad(JSON {"pubkey": base64 std of the public key})
/// |    |         +------------------- base64url-nopad(12 random bytes)
/// |    +----------------------------- seconds since the Unix epoch, decimal
/// +---------------------------------- "&lt;name&gt;_&lt;8 alphanumerics&gt;": no ':' and no white space
/// </code>
/// </remarks>
internal static class SharedSecretTokenFormat
{
    public const int MacSize = 32;
    public const int NonceSize = 12;

    /// <summary>Longest token accepted for parsing; real ones are about 200 characters.</summary>
    public const int MaxTokenLength = 8 * 1024;

    /// <summary>The claims part for a public key: base64url of <c>{"pubkey":"&lt;base64 std&gt;"}</c>.</summary>
    public static string EncodeClaims(ReadOnlySpan<byte> publicKey)
    {
        // Written by hand: the serializer would escape '+' as \u002B, which official peers do not do.
        var json = "{\"pubkey\":\"" + Convert.ToBase64String(publicKey) + "\"}";
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Builds a token for <paramref name="id"/> at <paramref name="unixSeconds"/> with a fresh nonce.</summary>
    public static string Create(string id, long unixSeconds, string claims, SharedSecretKey key)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var signed = string.Create(CultureInfo.InvariantCulture, $"{id}:{unixSeconds}:{Base64Url.EncodeToString(nonce)}:{claims}");

        var length = Encoding.UTF8.GetByteCount(signed);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var bytes = rented.AsSpan(0, length);
            Encoding.UTF8.GetBytes(signed, bytes);
            Span<byte> mac = stackalloc byte[MacSize];
            key.Mac(bytes, mac);
            return string.Concat(signed, ":", Base64Url.EncodeToString(mac));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>True when <paramref name="id"/> may appear in a token: non-empty, no ':' and no white space.</summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
