namespace Slim.Mls.Hpke.Internal;

/// <summary>Argument checks shared by the AEAD implementations.</summary>
internal static class AeadChecks
{
    internal static void Check(Aead aead, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (key.Length != aead.KeyLength)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{aead.Id} keys are {aead.KeyLength} bytes; got {key.Length}.");
        }

        if (nonce.Length != aead.NonceLength)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"{aead.Id} nonces are {aead.NonceLength} bytes; got {nonce.Length}.");
        }
    }

    internal static void CheckSealOutput(Aead aead, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        if (ciphertext.Length != plaintext.Length + aead.TagLength)
        {
            throw new ArgumentException($"Ciphertext buffer must be plaintext length + {aead.TagLength} bytes.", nameof(ciphertext));
        }
    }

    internal static bool OpenSizesMatch(Aead aead, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        if (ciphertext.Length < aead.TagLength)
        {
            return false;
        }

        return plaintext.Length == ciphertext.Length - aead.TagLength
            ? true
            : throw new ArgumentException($"Plaintext buffer must be ciphertext length - {aead.TagLength} bytes.", nameof(plaintext));
    }
}
