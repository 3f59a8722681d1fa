using System.Numerics;
using System.Security.Cryptography;

namespace Slim.Mls.Internal;

/// <summary>
/// Parameters and encodings of the NIST prime curves as MLS and HPKE use them: uncompressed SEC1 points
/// (<c>04 || X || Y</c>) and big-endian scalars of the field size.
/// </summary>
internal sealed class NistCurve
{
    public static readonly NistCurve P256 = new(
        ECCurve.NamedCurves.nistP256,
        32,
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

    public static readonly NistCurve P384 = new(
        ECCurve.NamedCurves.nistP384,
        48,
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef");

    public static readonly NistCurve P521 = new(
        ECCurve.NamedCurves.nistP521,
        66,
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" +
        "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" +
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109" +
        "e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00");

    private readonly byte[] _order;
    private readonly BigInteger _prime;
    private readonly BigInteger _b;

    private NistCurve(ECCurve curve, int coordinateLength, string orderHex, string primeHex, string bHex)
    {
        Curve = curve;
        CoordinateLength = coordinateLength;
        _order = Convert.FromHexString(orderHex);
        _prime = new BigInteger(Convert.FromHexString(primeHex), isUnsigned: true, isBigEndian: true);
        _b = new BigInteger(Convert.FromHexString(bHex), isUnsigned: true, isBigEndian: true);
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

    /// <summary>
    /// True when the uncompressed point <c>04 || X || Y</c> has coordinates below p and satisfies
    /// <c>y^2 = x^3 - 3x + b (mod p)</c> (RFC 9180 section 7.1.4 partial validation; these curves have cofactor 1).
    /// </summary>
    public bool IsOnCurve(ReadOnlySpan<byte> uncompressed)
    {
        if (uncompressed.Length != PointLength || uncompressed[0] != 0x04)
        {
            return false;
        }

        var x = new BigInteger(uncompressed.Slice(1, CoordinateLength), isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(uncompressed.Slice(1 + CoordinateLength, CoordinateLength), isUnsigned: true, isBigEndian: true);
        if (x >= _prime || y >= _prime)
        {
            return false;
        }

        var left = BigInteger.Remainder(y * y, _prime);
        var right = BigInteger.Remainder((((x * x) % _prime * x) - (3 * x) + _b) % _prime + _prime, _prime);
        return left == right;
    }

    /// <summary>
    /// Like <see cref="TryParsePoint"/>, but also accepts the compressed form (<c>02/03 || X</c>), decompressed with
    /// <c>y = (x^3 - 3x + b)^((p+1)/4) mod p</c> (every NIST prime here is 3 mod 4). Only signature keys use this:
    /// some peers (ts-mls 1.x) send compressed ECDSA keys although RFC 9420 section 5.1.1 asks for uncompressed.
    /// </summary>
    public bool TryParsePointLenient(ReadOnlySpan<byte> point, out ECParameters parameters)
    {
        if (TryParsePoint(point, out parameters))
        {
            return true;
        }

        if (point.Length != 1 + CoordinateLength || (point[0] != 0x02 && point[0] != 0x03))
        {
            return false;
        }

        var x = new BigInteger(point[1..], isUnsigned: true, isBigEndian: true);
        if (x >= _prime)
        {
            return false;
        }

        var rhs = BigInteger.Remainder((BigInteger.ModPow(x, 3, _prime) - (3 * x) + _b) % _prime + _prime, _prime);
        var y = BigInteger.ModPow(rhs, (_prime + 1) / 4, _prime);
        if (BigInteger.ModPow(y, 2, _prime) != rhs)
        {
            return false;
        }

        if ((y.IsEven ? 0x02 : 0x03) != point[0])
        {
            y = _prime - y;
        }

        var uncompressed = new byte[PointLength];
        uncompressed[0] = 0x04;
        point[1..].CopyTo(uncompressed.AsSpan(1));
        var yBytes = y.ToByteArray(isUnsigned: true, isBigEndian: true);
        yBytes.CopyTo(uncompressed.AsSpan(PointLength - yBytes.Length));
        return TryParsePoint(uncompressed, out parameters);
    }

    /// <summary>Writes a private scalar exported by the BCL, left-padded to the field size.</summary>
    public byte[] PadScalar(ReadOnlySpan<byte> d)
    {
        var scalar = new byte[CoordinateLength];
        d.CopyTo(scalar.AsSpan(CoordinateLength - d.Length));
        return scalar;
    }
}
