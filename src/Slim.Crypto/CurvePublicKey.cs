using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// An Ed25519/Ed448 public key held as an OpenSSL key object, so a sender's key is parsed once and reused for every
/// verification. Safe for concurrent use; dispose to free the native key.
/// </summary>
public sealed class CurvePublicKey : IDisposable
{
    private readonly EvpPKeyHandle _handle;
    private readonly CurveInfo _info;

    private CurvePublicKey(CurveAlgorithm algorithm, CurveInfo info, EvpPKeyHandle handle)
    {
        Algorithm = algorithm;
        _info = info;
        _handle = handle;
    }

    /// <summary>The algorithm this key belongs to.</summary>
    public CurveAlgorithm Algorithm { get; }

    /// <summary>Imports a raw public key.</summary>
    /// <exception cref="ArgumentException">The key has the wrong length.</exception>
    /// <exception cref="CryptographicException">OpenSSL refused the key.</exception>
    public static CurvePublicKey Import(CurveAlgorithm algorithm, ReadOnlySpan<byte> publicKey)
    {
        var info = CurveInfo.Of(algorithm);
        info.CheckPublic(publicKey, nameof(publicKey));
        return new CurvePublicKey(algorithm, info, RawKeys.ImportPublic(info.Nid, publicKey));
    }

    /// <summary>Verifies an Ed25519/Ed448 signature; returns false for any invalid or malformed signature.</summary>
    /// <exception cref="InvalidOperationException">The key is an X25519/X448 key.</exception>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (!_info.IsSignature)
        {
            throw new InvalidOperationException($"{Algorithm} keys cannot verify signatures.");
        }

        return signature.Length == _info.OutputSize && RawKeys.Verify(_handle, message, signature);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
