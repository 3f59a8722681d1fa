using System.Security.Cryptography;

namespace Slim.Mls.SecretTree;

/// <summary>
/// One generation of a sender ratchet: the AEAD key and nonce for exactly one message. <see cref="Dispose"/> wipes
/// them; dispose as soon as the message is encrypted or decrypted (RFC 9420 section 9.2).
/// </summary>
public sealed class RatchetKey : IDisposable
{
    internal RatchetKey(uint generation, byte[] key, byte[] nonce)
    {
        Generation = generation;
        Key = key;
        Nonce = nonce;
    }

    /// <summary>The generation (position in the ratchet) this key belongs to.</summary>
    public uint Generation { get; }

    /// <summary><c>ratchet_key_[N]_[j]</c> (<c>AEAD.Nk</c> bytes).</summary>
    public byte[] Key { get; }

    /// <summary><c>ratchet_nonce_[N]_[j]</c> (<c>AEAD.Nn</c> bytes), before the reuse guard is applied.</summary>
    public byte[] Nonce { get; }

    /// <summary>Wipes the key and nonce.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(Key);
        CryptographicOperations.ZeroMemory(Nonce);
    }
}
