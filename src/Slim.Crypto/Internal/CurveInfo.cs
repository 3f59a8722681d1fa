namespace Slim.Crypto.Internal;

/// <summary>Sizes and OpenSSL identifiers of one curve algorithm.</summary>
internal readonly record struct CurveInfo(int Nid, int PrivateKeySize, int PublicKeySize, int OutputSize, bool IsSignature)
{
    internal static readonly CurveInfo X25519 = new(LibCrypto.NidX25519, 32, 32, 32, IsSignature: false);
    internal static readonly CurveInfo X448 = new(LibCrypto.NidX448, 56, 56, 56, IsSignature: false);
    internal static readonly CurveInfo Ed25519 = new(LibCrypto.NidEd25519, 32, 32, 64, IsSignature: true);
    internal static readonly CurveInfo Ed448 = new(LibCrypto.NidEd448, 57, 57, 114, IsSignature: true);

    internal static CurveInfo Of(CurveAlgorithm algorithm) => algorithm switch
    {
        CurveAlgorithm.X25519 => X25519,
        CurveAlgorithm.X448 => X448,
        CurveAlgorithm.Ed25519 => Ed25519,
        CurveAlgorithm.Ed448 => Ed448,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown curve algorithm."),
    };

    internal void CheckPrivate(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != PrivateKeySize)
        {
            throw new ArgumentException($"Private keys are {PrivateKeySize} bytes; got {key.Length}.", name);
        }
    }

    internal void CheckPublic(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != PublicKeySize)
        {
            throw new ArgumentException($"Public keys are {PublicKeySize} bytes; got {key.Length}.", name);
        }
    }

    internal void CheckOutput(Span<byte> destination, string name)
    {
        if (destination.Length < OutputSize)
        {
            throw new ArgumentException($"Destination must hold {OutputSize} bytes.", name);
        }
    }
}
