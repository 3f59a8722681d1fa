using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// A Curve25519/Curve448 private key held as an OpenSSL key object, so repeated signing or key agreement skips the
/// import (which recomputes the public key). Safe for concurrent use; dispose to free the native key.
/// </summary>
public sealed class CurvePrivateKey : IDisposable
{
    private readonly EvpPKeyHandle _handle;
    private readonly CurveInfo _info;
    private readonly byte[] _publicKey;

    private CurvePrivateKey(CurveAlgorithm algorithm, CurveInfo info, EvpPKeyHandle handle)
    {
        Algorithm = algorithm;
        _info = info;
        _handle = handle;
        _publicKey = new byte[info.PublicKeySize];
        RawKeys.ExportPublic(handle, _publicKey);
    }

    /// <summary>The algorithm this key belongs to.</summary>
    public CurveAlgorithm Algorithm { get; }

    /// <summary>The raw public key (RFC 7748 u-coordinate or RFC 8032 encoded point).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Size in bytes of the signature (EdDSA) or shared secret (X25519/X448) this key produces.</summary>
    public int OutputSize => _info.OutputSize;

    /// <summary>Imports a raw private key (an X25519/X448 scalar or an EdDSA seed).</summary>
    /// <exception cref="ArgumentException">The key has the wrong length.</exception>
    /// <exception cref="CryptographicException">OpenSSL refused the key.</exception>
    public static CurvePrivateKey Import(CurveAlgorithm algorithm, ReadOnlySpan<byte> privateKey)
    {
        var info = CurveInfo.Of(algorithm);
        info.CheckPrivate(privateKey, nameof(privateKey));
        var handle = RawKeys.ImportPrivate(info.Nid, privateKey);
        try
        {
            return new CurvePrivateKey(algorithm, info, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Generates a fresh random private key.</summary>
    public static CurvePrivateKey Generate(CurveAlgorithm algorithm)
    {
        var info = CurveInfo.Of(algorithm);
        Span<byte> seed = stackalloc byte[info.PrivateKeySize];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return Import(algorithm, seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Writes the raw private key into <paramref name="destination"/> (exactly the private key size).</summary>
    public void ExportPrivateKey(Span<byte> destination)
    {
        if (destination.Length != _info.PrivateKeySize)
        {
            throw new ArgumentException($"Destination must be {_info.PrivateKeySize} bytes.", nameof(destination));
        }

        RawKeys.ExportPrivate(_handle, destination);
    }

    /// <summary>Signs <paramref name="message"/> (Ed25519 or Ed448 only) into <paramref name="destination"/>; returns the signature size.</summary>
    /// <exception cref="InvalidOperationException">The key is an X25519/X448 key.</exception>
    public int Sign(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (!_info.IsSignature)
        {
            throw new InvalidOperationException($"{Algorithm} keys cannot sign.");
        }

        _info.CheckOutput(destination, nameof(destination));
        RawKeys.Sign(_handle, message, destination[.._info.OutputSize]);
        return _info.OutputSize;
    }

    /// <summary>Signs <paramref name="message"/> (Ed25519 or Ed448 only) and returns the signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[_info.OutputSize];
        Sign(message, signature);
        return signature;
    }

    /// <summary>
    /// Computes the X25519/X448 shared secret with a peer public key into <paramref name="destination"/>.
    /// Throws <see cref="CryptographicException"/> when the result is all zero (a low-order peer key).
    /// </summary>
    /// <exception cref="InvalidOperationException">The key is an EdDSA key.</exception>
    public void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        if (_info.IsSignature)
        {
            throw new InvalidOperationException($"{Algorithm} keys cannot do key agreement.");
        }

        _info.CheckPublic(peerPublicKey, nameof(peerPublicKey));
        _info.CheckOutput(destination, nameof(destination));
        using var peer = RawKeys.ImportPublic(_info.Nid, peerPublicKey);
        RawKeys.Derive(_handle, peer, destination[.._info.OutputSize]);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
