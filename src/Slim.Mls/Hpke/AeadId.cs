namespace Slim.Mls.Hpke;

/// <summary>HPKE AEAD identifiers (RFC 9180 section 7.3).</summary>
public enum AeadId : ushort
{
    /// <summary>AES-128-GCM (Nk 16, Nn 12, Nt 16).</summary>
    Aes128Gcm = 0x0001,

    /// <summary>AES-256-GCM (Nk 32, Nn 12, Nt 16).</summary>
    Aes256Gcm = 0x0002,

    /// <summary>ChaCha20-Poly1305 (Nk 32, Nn 12, Nt 16).</summary>
    ChaCha20Poly1305 = 0x0003,

    /// <summary>Export-only: the context derives exporter secrets but cannot seal or open.</summary>
    ExportOnly = 0xFFFF,
}
