using System.Security.Cryptography;

namespace Slim.Crypto.Internal;

/// <summary>Per-curve constants and OpenSSL objects for the NIST-curve ECDH fast path.</summary>
internal sealed class NistEc
{
    private static readonly Lazy<bool> Supported = new(() =>
        LibCrypto.HasExport("EVP_PKEY_fromdata") && LibCrypto.HasExport("EVP_PKEY_derive_set_peer_ex") && LibCrypto.HasExport("EC_POINT_mul") &&
        LibCrypto.HasExport("EVP_PKEY_verify"));

    private static readonly NistEc P256 = new(LibCrypto.NidP256, "P-256", 32, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    private static readonly NistEc P384 = new(
        LibCrypto.NidP384, "P-384", 48, "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");

    private static readonly NistEc P521 = new(
        LibCrypto.NidP521,
        "P-521",
        66,
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" +
        "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409");

    private readonly byte[] _order;
    private readonly Lazy<IntPtr> _group;

    private NistEc(int nid, string name, int fieldLength, string orderHex)
    {
        Nid = nid;
        GroupName = [.. System.Text.Encoding.ASCII.GetBytes(name), 0];
        FieldLength = fieldLength;
        _order = Convert.FromHexString(orderHex);
        _group = new Lazy<IntPtr>(() =>
        {
            var group = LibCrypto.EC_GROUP_new_by_curve_name(nid);
            return group != IntPtr.Zero ? group : throw RawKeys.Failure("EC group");
        });
    }

    public static bool IsSupported => Supported.Value;

    public int Nid { get; }

    /// <summary>The provider group name, NUL-terminated.</summary>
    public byte[] GroupName { get; }

    public int FieldLength { get; }

    public int PointLength => 1 + (2 * FieldLength);

    /// <summary>The curve's EC_GROUP, created once and kept for the process (read-only, shareable across threads).</summary>
    public IntPtr Group => _group.Value;

    public static NistEc Of(EcCurve curve) => curve switch
    {
        EcCurve.P256 => P256,
        EcCurve.P384 => P384,
        EcCurve.P521 => P521,
        _ => throw new ArgumentOutOfRangeException(nameof(curve), curve, "Unknown curve."),
    };

    /// <summary>0 &lt; scalar &lt; order for a big-endian scalar of exactly the field length, without data-dependent branches.</summary>
    public bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != FieldLength)
        {
            return false;
        }

        var borrow = 0;
        var any = 0;
        for (var i = scalar.Length - 1; i >= 0; i--)
        {
            var diff = scalar[i] - _order[i] - borrow;
            borrow = (diff >> 8) & 1;
            any |= scalar[i];
        }

        return (borrow & (any != 0 ? 1 : 0)) == 1;
    }

    internal static CryptographicException Unsupported() =>
        new("NIST-curve ECDH and ECDSA through OpenSSL need OpenSSL 3; check IsSupported first.");

    /// <summary>
    /// Decodes an uncompressed point into a public-key object. OpenSSL checks the coordinates (below the prime) and that
    /// the point lies on the curve (partial public-key validation, sufficient on these prime-order curves).
    /// </summary>
    /// <exception cref="CryptographicException">The point is not a valid point of the curve.</exception>
    public unsafe EvpPKeyHandle DecodePublicKey(ReadOnlySpan<byte> point)
    {
        fixed (byte* group = GroupName)
        fixed (byte* groupKey = GroupParam)
        fixed (byte* pubKey = PubParam)
        fixed (byte* q = point)
        {
            var parameters = stackalloc LibCrypto.OsslParam[3];
            parameters[0] = Utf8(groupKey, group, GroupName.Length - 1);
            parameters[1] = Octets(pubKey, q, point.Length);
            parameters[2] = default;
            return FromData(parameters, LibCrypto.SelectPublicKey, "EC public key import (point not on the curve)");
        }
    }

    /// <summary>Builds a key object from OSSL parameters (<c>EVP_PKEY_fromdata</c> on an "EC" context).</summary>
    internal static unsafe EvpPKeyHandle FromData(LibCrypto.OsslParam* parameters, int selection, string what)
    {
        IntPtr ctx;
        fixed (byte* name = EcName)
        {
            ctx = LibCrypto.EVP_PKEY_CTX_new_from_name(IntPtr.Zero, name, null);
        }

        if (ctx == IntPtr.Zero)
        {
            throw RawKeys.Failure("EC context");
        }

        try
        {
            IntPtr pkey = IntPtr.Zero;
            if (LibCrypto.EVP_PKEY_fromdata_init(ctx) != 1 || LibCrypto.EVP_PKEY_fromdata(ctx, &pkey, selection, parameters) != 1)
            {
                throw RawKeys.Failure(what);
            }

            return EvpPKeyHandle.Own(pkey);
        }
        finally
        {
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    internal static unsafe LibCrypto.OsslParam Utf8(byte* key, byte* value, int length) =>
        new() { Key = (IntPtr)key, DataType = LibCrypto.ParamUtf8String, Data = (IntPtr)value, DataSize = (nuint)length, ReturnSize = nuint.MaxValue };

    internal static unsafe LibCrypto.OsslParam Octets(byte* key, byte* value, int length) =>
        new() { Key = (IntPtr)key, DataType = LibCrypto.ParamOctetString, Data = (IntPtr)value, DataSize = (nuint)length, ReturnSize = nuint.MaxValue };

    private static ReadOnlySpan<byte> PubParam => "pub\0"u8;

    private static ReadOnlySpan<byte> GroupParam => "group\0"u8;

    private static ReadOnlySpan<byte> EcName => "EC\0"u8;
}
