using System.Security.Cryptography;

namespace Slim.Mls.Hpke.Internal;

/// <summary>HKDF (RFC 5869) over the BCL's SHA-2 and HMAC one-shot APIs (no allocation).</summary>
internal sealed class HkdfKdf : Kdf
{
    private readonly HashAlgorithmName _hash;

    public HkdfKdf(KdfId id)
    {
        Id = id;
        (_hash, HashLength) = id switch
        {
            KdfId.HkdfSha256 => (HashAlgorithmName.SHA256, 32),
            KdfId.HkdfSha384 => (HashAlgorithmName.SHA384, 48),
            KdfId.HkdfSha512 => (HashAlgorithmName.SHA512, 64),
            _ => throw new ArgumentOutOfRangeException(nameof(id)),
        };
    }

    public override KdfId Id { get; }

    public override int HashLength { get; }

    public override void Extract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        CheckLength(prk.Length, nameof(prk));

        // An empty salt means Nh zero bytes (RFC 5869 section 2.2); HMAC pads short keys with zeros, so both agree.
        HKDF.Extract(_hash, ikm, salt, prk);
    }

    public override void Expand(ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (prk.Length < HashLength)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"HKDF-Expand needs a pseudorandom key of at least {HashLength} bytes; got {prk.Length}.");
        }

        if (output.Length > 255 * HashLength)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"HKDF-Expand can produce at most {255 * HashLength} bytes.");
        }

        if (!output.IsEmpty)
        {
            HKDF.Expand(_hash, prk, output, info);
        }
    }

    public override void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        CheckLength(digest.Length, nameof(digest));
        switch (Id)
        {
            case KdfId.HkdfSha256:
                SHA256.HashData(data, digest);
                break;
            case KdfId.HkdfSha384:
                SHA384.HashData(data, digest);
                break;
            default:
                SHA512.HashData(data, digest);
                break;
        }
    }

    public override void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        CheckLength(tag.Length, nameof(tag));
        switch (Id)
        {
            case KdfId.HkdfSha256:
                HMACSHA256.HashData(key, data, tag);
                break;
            case KdfId.HkdfSha384:
                HMACSHA384.HashData(key, data, tag);
                break;
            default:
                HMACSHA512.HashData(key, data, tag);
                break;
        }
    }

    private void CheckLength(int length, string name)
    {
        if (length != HashLength)
        {
            throw new ArgumentException($"Output must be exactly {HashLength} bytes.", name);
        }
    }
}
