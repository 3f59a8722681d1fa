using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// An ECDH private key on a NIST curve, held as an OpenSSL 3 key object. Peer keys get partial public-key validation
/// (coordinates in range, point on the curve: NIST SP 800-56A section 5.6.2.3.4), which is what HPKE requires for prime-order
/// curves, instead of the full check (an extra scalar multiplication by the group order) the BCL runs on every import.
/// Safe for concurrent use; dispose to free the native key.
/// </summary>
/// <remarks>Public keys are uncompressed SEC1 points (<c>04 || X || Y</c>); private keys are big-endian scalars of the field size.</remarks>
public sealed class EcdhPrivateKey : IDisposable
{
    private static ReadOnlySpan<byte> PrivParam => "priv\0"u8;

    private static ReadOnlySpan<byte> PubParam => "pub\0"u8;

    private static ReadOnlySpan<byte> GroupParam => "group\0"u8;

    private static ReadOnlySpan<byte> EcName => "EC\0"u8;

    private readonly EvpPKeyHandle _handle;
    private readonly NistEc _curve;
    private readonly byte[] _publicKey;

    private EcdhPrivateKey(EcCurve curve, NistEc info, EvpPKeyHandle handle, byte[] publicKey)
    {
        Curve = curve;
        _curve = info;
        _handle = handle;
        _publicKey = publicKey;
    }

    /// <summary>True when the loaded libcrypto offers the OpenSSL 3 APIs this class needs.</summary>
    public static bool IsSupported => NistEc.IsSupported;

    /// <summary>The curve.</summary>
    public EcCurve Curve { get; }

    /// <summary>The uncompressed public point.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>True when <paramref name="privateKey"/> is a big-endian scalar of the field size in [1, order - 1].</summary>
    public static bool IsValidPrivateKey(EcCurve curve, ReadOnlySpan<byte> privateKey) => NistEc.Of(curve).IsValidScalar(privateKey);

    /// <summary>Generates a fresh key.</summary>
    /// <exception cref="CryptographicException">OpenSSL 3 is not available or key generation failed.</exception>
    public static unsafe EcdhPrivateKey Generate(EcCurve curve)
    {
        var info = CheckSupported(curve);
        IntPtr ctx;
        fixed (byte* name = EcName)
        {
            ctx = LibCrypto.EVP_PKEY_CTX_new_from_name(IntPtr.Zero, name, null);
        }

        if (ctx == IntPtr.Zero)
        {
            throw RawKeys.Failure("EC context");
        }

        IntPtr pkey = IntPtr.Zero;
        try
        {
            fixed (byte* group = info.GroupName)
            {
                if (LibCrypto.EVP_PKEY_keygen_init(ctx) != 1 || LibCrypto.EVP_PKEY_CTX_set_group_name(ctx, group) != 1 ||
                    LibCrypto.EVP_PKEY_generate(ctx, &pkey) != 1)
                {
                    throw RawKeys.Failure("EC key generation");
                }
            }
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }

        var handle = EvpPKeyHandle.Own(pkey);
        try
        {
            var pub = new byte[info.PointLength];
            nuint length;
            fixed (byte* name = PubParam)
            fixed (byte* buffer = pub)
            {
                if (LibCrypto.EVP_PKEY_get_octet_string_param(handle, name, buffer, (nuint)pub.Length, &length) != 1 ||
                    length != (nuint)pub.Length || pub[0] != 0x04)
                {
                    throw RawKeys.Failure("EC public key export");
                }
            }

            return new EcdhPrivateKey(curve, info, handle, pub);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Imports a private scalar and computes its public point.</summary>
    /// <exception cref="ArgumentException">The scalar has the wrong length or is outside [1, order - 1].</exception>
    /// <exception cref="CryptographicException">OpenSSL 3 is not available or refused the key.</exception>
    public static unsafe EcdhPrivateKey Import(EcCurve curve, ReadOnlySpan<byte> privateKey)
    {
        var info = CheckSupported(curve);
        if (!info.IsValidScalar(privateKey))
        {
            throw new ArgumentException($"{curve} private keys are {info.FieldLength}-byte scalars in [1, order - 1].", nameof(privateKey));
        }

        var pub = ComputePublicKey(info, privateKey);

        // OSSL_PARAM unsigned integers are in native byte order.
        Span<byte> native = stackalloc byte[privateKey.Length];
        privateKey.CopyTo(native);
        if (BitConverter.IsLittleEndian)
        {
            native.Reverse();
        }

        try
        {
            fixed (byte* group = info.GroupName)
            fixed (byte* groupKey = GroupParam)
            fixed (byte* privKey = PrivParam)
            fixed (byte* pubKey = PubParam)
            fixed (byte* d = native)
            fixed (byte* q = pub)
            {
                var parameters = stackalloc LibCrypto.OsslParam[4];
                parameters[0] = NistEc.Utf8(groupKey, group, info.GroupName.Length - 1);
                parameters[1] = new LibCrypto.OsslParam { Key = (IntPtr)privKey, DataType = LibCrypto.ParamUnsignedInteger, Data = (IntPtr)d, DataSize = (nuint)native.Length, ReturnSize = nuint.MaxValue };
                parameters[2] = NistEc.Octets(pubKey, q, pub.Length);
                parameters[3] = default;
                return new EcdhPrivateKey(curve, info, NistEc.FromData(parameters, LibCrypto.SelectKeyPair, "EC private key import"), pub);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(native);
        }
    }

    /// <summary>Writes the private scalar (big-endian, field size) into <paramref name="destination"/>.</summary>
    public unsafe void ExportPrivateKey(Span<byte> destination)
    {
        if (destination.Length != _curve.FieldLength)
        {
            throw new ArgumentException($"Destination must be {_curve.FieldLength} bytes.", nameof(destination));
        }

        IntPtr bignum = IntPtr.Zero;
        try
        {
            fixed (byte* name = PrivParam)
            fixed (byte* d = destination)
            {
                if (LibCrypto.EVP_PKEY_get_bn_param(_handle, name, &bignum) != 1 ||
                    LibCrypto.BN_bn2binpad(bignum, d, destination.Length) != destination.Length)
                {
                    throw RawKeys.Failure("EC private key export");
                }
            }
        }
        finally
        {
            if (bignum != IntPtr.Zero)
            {
                LibCrypto.BN_clear_free(bignum);
            }
        }
    }

    /// <summary>
    /// Computes the ECDH shared secret (the x-coordinate of d·Q, field size) with an uncompressed peer point.
    /// </summary>
    /// <exception cref="ArgumentException">The peer key or destination has the wrong size or form.</exception>
    /// <exception cref="CryptographicException">The peer point is not on the curve.</exception>
    public unsafe void Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        if (peerPublicKey.Length != _curve.PointLength || peerPublicKey[0] != 0x04)
        {
            throw new ArgumentException($"{Curve} public keys are {_curve.PointLength}-byte uncompressed points.", nameof(peerPublicKey));
        }

        if (destination.Length != _curve.FieldLength)
        {
            throw new ArgumentException($"Destination must be {_curve.FieldLength} bytes.", nameof(destination));
        }

        // Decoding the point checks the coordinates and that it lies on the curve; a failure here is an invalid key.
        var peer = _curve.DecodePublicKey(peerPublicKey);
        using (peer)
        {
            var ctx = LibCrypto.EVP_PKEY_CTX_new(_handle, IntPtr.Zero);
            if (ctx == IntPtr.Zero)
            {
                throw RawKeys.Failure("derive context");
            }

            try
            {
                // The peer was validated when decoded; skip OpenSSL's extra full check (a multiplication by the order).
                if (LibCrypto.EVP_PKEY_derive_init(ctx) != 1 || LibCrypto.EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1)
                {
                    throw RawKeys.Failure("derive setup");
                }

                nuint length = (nuint)destination.Length;
                fixed (byte* d = destination)
                {
                    if (LibCrypto.EVP_PKEY_derive(ctx, d, &length) != 1 || length != (nuint)destination.Length)
                    {
                        throw RawKeys.Failure("ECDH derive");
                    }
                }
            }
            finally
            {
                LibCrypto.EVP_PKEY_CTX_free(ctx);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private static NistEc CheckSupported(EcCurve curve)
    {
        var info = NistEc.Of(curve);
        return NistEc.IsSupported ? info : throw NistEc.Unsupported();
    }

    // pub = d·G through the EC_POINT API (one constant-time base-point multiplication).
    private static unsafe byte[] ComputePublicKey(NistEc info, ReadOnlySpan<byte> scalar)
    {
        IntPtr bignum;
        fixed (byte* d = scalar)
        {
            bignum = LibCrypto.BN_bin2bn(d, scalar.Length, IntPtr.Zero);
        }

        if (bignum == IntPtr.Zero)
        {
            throw RawKeys.Failure("scalar import");
        }

        var point = IntPtr.Zero;
        try
        {
            point = LibCrypto.EC_POINT_new(info.Group);
            if (point == IntPtr.Zero || LibCrypto.EC_POINT_mul(info.Group, point, bignum, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero) != 1)
            {
                throw RawKeys.Failure("public key computation");
            }

            var pub = new byte[info.PointLength];
            fixed (byte* q = pub)
            {
                if (LibCrypto.EC_POINT_point2oct(info.Group, point, LibCrypto.PointUncompressed, q, (nuint)pub.Length, IntPtr.Zero) != (nuint)pub.Length)
                {
                    throw RawKeys.Failure("public key encoding");
                }
            }

            return pub;
        }
        finally
        {
            if (point != IntPtr.Zero)
            {
                LibCrypto.EC_POINT_clear_free(point);
            }

            LibCrypto.BN_clear_free(bignum);
        }
    }
}
