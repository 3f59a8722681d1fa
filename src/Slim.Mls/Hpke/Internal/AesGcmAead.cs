using System.Security.Cryptography;

namespace Slim.Mls.Hpke.Internal;

/// <summary>AES-GCM with a 16-byte tag and a 12-byte nonce.</summary>
internal sealed class AesGcmAead : Aead
{
    public AesGcmAead(AeadId id, int keyLength)
    {
        Id = id;
        KeyLength = keyLength;
    }

    public override AeadId Id { get; }

    public override int KeyLength { get; }

    public override int NonceLength => 12;

    public override int TagLength => 16;

    public override bool IsSupported => AesGcm.IsSupported;

    public override void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        AeadChecks.Check(this, key, nonce);
        AeadChecks.CheckSealOutput(this, plaintext, ciphertext);
        using var aes = new AesGcm(key, TagLength);
        aes.Encrypt(nonce, plaintext, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], associatedData);
    }

    public override bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        AeadChecks.Check(this, key, nonce);
        if (!AeadChecks.OpenSizesMatch(this, ciphertext, plaintext))
        {
            return false;
        }

        using var aes = new AesGcm(key, TagLength);
        try
        {
            aes.Decrypt(nonce, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }
}
