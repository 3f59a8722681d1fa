using System.Security.Cryptography;
using System.Text;
using Slim.Protocol;

namespace Slim.Identity.Internal;

/// <summary>The HMAC-SHA256 key of a shared secret (its UTF-8 bytes), checked for the 32-byte minimum.</summary>
internal sealed class SharedSecretKey : IDisposable
{
    /// <summary>Official SLIM refuses shorter secrets (<c>HmacKeyTooShort</c>).</summary>
    public const int MinimumBytes = 32;

    private readonly byte[] _key;

    public SharedSecretKey(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = Encoding.UTF8.GetBytes(secret);
        if (key.Length < MinimumBytes)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new SlimIdentityException(
                SlimErrorCode.IdentitySecretTooShort,
                $"The shared secret must be at least {MinimumBytes} bytes of UTF-8; it has {key.Length}.");
        }

        _key = key;
    }

    /// <summary>HMAC-SHA256 of <paramref name="message"/> into a 32-byte destination.</summary>
    public void Mac(ReadOnlySpan<byte> message, Span<byte> destination) => HMACSHA256.HashData(_key, message, destination);

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
