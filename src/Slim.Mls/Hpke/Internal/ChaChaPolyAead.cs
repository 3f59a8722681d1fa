using System.Security.Cryptography;

namespace Slim.Mls.Hpke.Internal;

/// <summary>ChaCha20-Poly1305 (RFC 8439).</summary>
internal sealed class ChaChaPolyAead : Aead
{
    public override AeadId Id => AeadId.ChaCha20Poly1305;

    public override int KeyLength => 32;

    public override int NonceLength => 12;

    public override int TagLength => 16;

    public override bool IsSupported => System.Security.Cryptography.ChaCha20Poly1305.IsSupported;

    public override void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        AeadChecks.Check(this, key, nonce);
        AeadChecks.CheckSealOutput(this, plaintext, ciphertext);
        using var cipher = new System.Security.Cryptography.ChaCha20Poly1305(key);
        cipher.Encrypt(nonce, plaintext, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], associatedData);
    }

    public override bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        AeadChecks.Check(this, key, nonce);
        if (!AeadChecks.OpenSizesMatch(this, ciphertext, plaintext))
        {
            return false;
        }

        using var cipher = new System.Security.Cryptography.ChaCha20Poly1305(key);
        try
        {
            cipher.Decrypt(nonce, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }
}
