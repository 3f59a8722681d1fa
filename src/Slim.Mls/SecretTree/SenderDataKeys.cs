using Slim.Mls.CipherSuites;

namespace Slim.Mls.SecretTree;

/// <summary>
/// Key and nonce that encrypt a PrivateMessage's SenderData (RFC 9420 section 6.3.2), derived from
/// <c>sender_data_secret</c> and a sample of the content ciphertext:
/// <code>
/// ciphertext_sample = ciphertext[0 .. min(Nh, len) - 1]
/// sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   ciphertext_sample, AEAD.Nk)
/// sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
/// </code>
/// </summary>
public static class SenderDataKeys
{
    /// <summary>Derives the sender-data key and nonce into the given buffers (<c>Nk</c> and <c>Nn</c> bytes).</summary>
    public static void Derive(CipherSuite suite, ReadOnlySpan<byte> senderDataSecret, ReadOnlySpan<byte> ciphertext, Span<byte> key, Span<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var sample = ciphertext[..Math.Min(suite.HashLength, ciphertext.Length)];
        suite.ExpandWithLabel(senderDataSecret, "key"u8, sample, key);
        suite.ExpandWithLabel(senderDataSecret, "nonce"u8, sample, nonce);
    }

    /// <summary>Derives the sender-data key and nonce into new arrays.</summary>
    public static (byte[] Key, byte[] Nonce) Derive(CipherSuite suite, ReadOnlySpan<byte> senderDataSecret, ReadOnlySpan<byte> ciphertext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var key = new byte[suite.AeadKeyLength];
        var nonce = new byte[suite.AeadNonceLength];
        Derive(suite, senderDataSecret, ciphertext, key, nonce);
        return (key, nonce);
    }
}
