using System.Security.Cryptography;

namespace Slim.Crypto.Internal;

/// <summary>One-shot operations shared by the static <c>X25519</c>, <c>X448</c>, <c>Ed25519</c> and <c>Ed448</c> facades.</summary>
internal static class CurveOps
{
    internal static byte[] GetPublicKey(in CurveInfo info, ReadOnlySpan<byte> privateKey)
    {
        info.CheckPrivate(privateKey, nameof(privateKey));
        using var pkey = RawKeys.ImportPrivate(info.Nid, privateKey);
        var pub = new byte[info.PublicKeySize];
        RawKeys.ExportPublic(pkey, pub);
        return pub;
    }

    internal static void Agree(in CurveInfo info, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        info.CheckPrivate(privateKey, nameof(privateKey));
        info.CheckPublic(peerPublicKey, nameof(peerPublicKey));
        info.CheckOutput(destination, nameof(destination));
        RawKeys.Derive(info.Nid, privateKey, peerPublicKey, destination[..info.OutputSize]);
    }

    internal static void Sign(in CurveInfo info, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message, Span<byte> destination)
    {
        info.CheckPrivate(privateKey, nameof(privateKey));
        info.CheckOutput(destination, nameof(destination));
        using var pkey = RawKeys.ImportPrivate(info.Nid, privateKey);
        RawKeys.Sign(pkey, message, destination[..info.OutputSize]);
    }

    internal static bool Verify(in CurveInfo info, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != info.PublicKeySize || signature.Length != info.OutputSize)
        {
            return false;
        }

        EvpPKeyHandle pkey;
        try
        {
            pkey = RawKeys.ImportPublic(info.Nid, publicKey);
        }
        catch (CryptographicException)
        {
            return false;
        }

        using (pkey)
        {
            return RawKeys.Verify(pkey, message, signature);
        }
    }

    internal static byte[] Random(int size) => RandomNumberGenerator.GetBytes(size);
}
