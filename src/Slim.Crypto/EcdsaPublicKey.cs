using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// An ECDSA verification key on a NIST curve, held as an OpenSSL 3 key object. Importing a point costs a decode and an
/// on-curve check (partial public-key validation: coordinates below the prime, point on the curve), which is complete
/// for these prime-order curves, instead of the full check the BCL runs on every import (an extra scalar multiplication
/// by the group order, several times the cost). Verification is OpenSSL's, on a digest the caller computes or on the
/// data with a named hash. Safe for concurrent use; dispose to free the native key.
/// </summary>
/// <remarks>
/// Public keys are uncompressed SEC1 points (<c>04 || X || Y</c>). Signatures are DER
/// <c>SEQUENCE { r INTEGER, s INTEGER }</c> (RFC 3279), as TLS, MLS and SLIM's header signatures use; OpenSSL accepts
/// only the canonical DER encoding.
/// </remarks>
public sealed class EcdsaPublicKey : IDisposable
{
    private readonly EvpPKeyHandle _handle;
    private readonly byte[] _publicKey;

    private EcdsaPublicKey(EcCurve curve, EvpPKeyHandle handle, byte[] publicKey)
    {
        Curve = curve;
        _handle = handle;
        _publicKey = publicKey;
    }

    /// <summary>True when the loaded libcrypto offers the OpenSSL 3 APIs this class needs.</summary>
    public static bool IsSupported => NistEc.IsSupported;

    /// <summary>The curve.</summary>
    public EcCurve Curve { get; }

    /// <summary>The uncompressed public point.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Imports an uncompressed point.</summary>
    /// <exception cref="ArgumentException">The key is not an uncompressed point of the curve's size.</exception>
    /// <exception cref="CryptographicException">OpenSSL 3 is not available, or the point is not on the curve.</exception>
    public static EcdsaPublicKey Import(EcCurve curve, ReadOnlySpan<byte> publicKey)
    {
        var info = NistEc.Of(curve);
        if (!NistEc.IsSupported)
        {
            throw NistEc.Unsupported();
        }

        if (publicKey.Length != info.PointLength || publicKey[0] != 0x04)
        {
            throw new ArgumentException($"{curve} public keys are {info.PointLength}-byte uncompressed points.", nameof(publicKey));
        }

        return new EcdsaPublicKey(curve, info.DecodePublicKey(publicKey), publicKey.ToArray());
    }

    /// <summary>Like <see cref="Import"/>, but returns false for a malformed or off-curve key instead of throwing.</summary>
    /// <exception cref="CryptographicException">OpenSSL 3 is not available.</exception>
    public static bool TryImport(EcCurve curve, ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out EcdsaPublicKey? key)
    {
        var info = NistEc.Of(curve);
        if (!NistEc.IsSupported)
        {
            throw NistEc.Unsupported();
        }

        key = null;
        if (publicKey.Length != info.PointLength || publicKey[0] != 0x04)
        {
            return false;
        }

        try
        {
            key = new EcdsaPublicKey(curve, info.DecodePublicKey(publicKey), publicKey.ToArray());
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when <paramref name="signature"/> (DER) is a valid signature of <paramref name="hash"/>, a digest computed by
    /// the caller. Never throws for malformed signatures: they do not verify.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public unsafe bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        if (hash.IsEmpty || signature.IsEmpty)
        {
            return false;
        }

        var ctx = LibCrypto.EVP_PKEY_CTX_new(_handle, IntPtr.Zero);
        if (ctx == IntPtr.Zero)
        {
            throw RawKeys.Failure("verify context");
        }

        try
        {
            fixed (byte* s = signature)
            fixed (byte* h = hash)
            {
                if (LibCrypto.EVP_PKEY_verify_init(ctx) == 1 &&
                    LibCrypto.EVP_PKEY_verify(ctx, s, (nuint)signature.Length, h, (nuint)hash.Length) == 1)
                {
                    return true;
                }
            }

            // 0 = bad signature, negative = malformed DER; both leave errors queued.
            LibCrypto.ERR_clear_error();
            return false;
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    /// <summary>
    /// True when <paramref name="signature"/> (DER) is a valid signature of <paramref name="data"/> hashed with
    /// <paramref name="hashAlgorithm"/> (SHA-256, SHA-384 or SHA-512). Never throws for malformed signatures.
    /// </summary>
    /// <exception cref="ArgumentException">The hash algorithm is not one of the three.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public bool VerifyData(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hashAlgorithm)
    {
        Span<byte> hash = stackalloc byte[64];
        var length = hashAlgorithm.Name switch
        {
            "SHA256" => SHA256.HashData(data, hash),
            "SHA384" => SHA384.HashData(data, hash),
            "SHA512" => SHA512.HashData(data, hash),
            _ => throw new ArgumentException($"ECDSA here uses SHA-256, SHA-384 or SHA-512, not {hashAlgorithm.Name}.", nameof(hashAlgorithm)),
        };
        return VerifyHash(hash[..length], signature);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
