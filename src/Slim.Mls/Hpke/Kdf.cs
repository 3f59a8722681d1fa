using Slim.Mls.Hpke.Internal;

namespace Slim.Mls.Hpke;

/// <summary>
/// A key derivation function (RFC 9180 section 4) and the hash and MAC built on the same hash function, which MLS
/// uses for <c>Hash</c> and <c>MAC</c> (RFC 9420 section 5.1). Implementations are stateless and thread-safe.
/// </summary>
public abstract class Kdf
{
    /// <summary>Lets another assembly supply an implementation (for example a hardware-backed one).</summary>
    protected Kdf()
    {
    }

    /// <summary>HKDF-SHA256.</summary>
    public static Kdf HkdfSha256 { get; } = new HkdfKdf(KdfId.HkdfSha256);

    /// <summary>HKDF-SHA384.</summary>
    public static Kdf HkdfSha384 { get; } = new HkdfKdf(KdfId.HkdfSha384);

    /// <summary>HKDF-SHA512.</summary>
    public static Kdf HkdfSha512 { get; } = new HkdfKdf(KdfId.HkdfSha512);

    /// <summary>The HPKE identifier.</summary>
    public abstract KdfId Id { get; }

    /// <summary><c>Nh</c>: the size of an <see cref="Extract"/> output, of a hash and of a MAC, in bytes.</summary>
    public abstract int HashLength { get; }

    /// <summary>Returns the implementation for an identifier.</summary>
    /// <exception cref="MlsException">The identifier is not implemented (<see cref="MlsErrorCode.UnsupportedCipherSuite"/>).</exception>
    public static Kdf FromId(KdfId id) => id switch
    {
        KdfId.HkdfSha256 => HkdfSha256,
        KdfId.HkdfSha384 => HkdfSha384,
        KdfId.HkdfSha512 => HkdfSha512,
        _ => throw new MlsException(MlsErrorCode.UnsupportedCipherSuite, $"HPKE KDF 0x{(ushort)id:x4} is not supported."),
    };

    /// <summary><c>Extract(salt, ikm)</c> into <paramref name="prk"/> (exactly <see cref="HashLength"/> bytes).</summary>
    public abstract void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk);

    /// <summary><c>Expand(prk, info, L)</c> where L is the length of <paramref name="output"/> (at most 255·Nh).</summary>
    public abstract void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output);

    /// <summary>Hashes <paramref name="data"/> into <paramref name="digest"/> (exactly <see cref="HashLength"/> bytes).</summary>
    public abstract void Hash(ReadOnlySpan<byte> data, Span<byte> digest);

    /// <summary>HMAC of <paramref name="data"/> under <paramref name="key"/> into <paramref name="tag"/> (exactly <see cref="HashLength"/> bytes).</summary>
    public abstract void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag);
}
