using System.Security.Cryptography;

namespace Slim.Mls.Internal;

/// <summary>
/// Parameters and encodings of the NIST prime curves as MLS and HPKE use them: uncompressed SEC1 points
/// (<c>04 || X || Y</c>) and big-endian scalars of the field size.
/// </summary>
internal sealed class NistCurve
{
    public static readonly NistCurve P256 = new(
        ECCurve.NamedCurves.nistP256, 32, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    public static readonly NistCurve P384 = new(
        ECCurve.NamedCurves.nistP384,
        48,
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");

    public static readonly NistCurve P521 = new(
        ECCurve.NamedCurves.nistP521,
        66,
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" +
        "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409");

    private readonly byte[] _order;

    private NistCurve(ECCurve curve, int coordinateLength, string orderHex)
    {
        Curve = curve;
        CoordinateLength = coordinateLength;
        _order = Convert.FromHexString(orderHex);
    }

    public ECCurve Curve { get; }

    /// <summary>Size of a field element, of a scalar and of an ECDH x-coordinate output.</summary>
    public int CoordinateLength { get; }

    /// <summary>Size of an uncompressed point.</summary>
    public int PointLength => 1 + (2 * CoordinateLength);

    /// <summary>0 &lt; scalar &lt; order for a scalar of exactly <see cref="CoordinateLength"/> bytes, without data-dependent branches.</summary>
    public bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != CoordinateLength)
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

    /// <summary>Serializes Q as <c>04 || X || Y</c>.</summary>
    public byte[] SerializePoint(ECPoint q)
    {
        var pk = new byte[PointLength];
        pk[0] = 0x04;
        q.X.AsSpan().CopyTo(pk.AsSpan(1 + CoordinateLength - q.X!.Length));
        q.Y.AsSpan().CopyTo(pk.AsSpan(1 + (2 * CoordinateLength) - q.Y!.Length));
        return pk;
    }

    /// <summary>Parses an uncompressed point into parameters for import; false when the shape is wrong.</summary>
    public bool TryParsePoint(ReadOnlySpan<byte> point, out ECParameters parameters)
    {
        parameters = default;
        if (point.Length != PointLength || point[0] != 0x04)
        {
            return false;
        }

        parameters = new ECParameters
        {
            Curve = Curve,
            Q = new ECPoint
            {
                X = point.Slice(1, CoordinateLength).ToArray(),
                Y = point.Slice(1 + CoordinateLength, CoordinateLength).ToArray(),
            },
        };
        return true;
    }

    /// <summary>Writes a private scalar exported by the BCL, left-padded to the field size.</summary>
    public byte[] PadScalar(ReadOnlySpan<byte> d)
    {
        var scalar = new byte[CoordinateLength];
        d.CopyTo(scalar.AsSpan(CoordinateLength - d.Length));
        return scalar;
    }
}
