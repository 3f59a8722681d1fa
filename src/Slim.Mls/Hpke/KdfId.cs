namespace Slim.Mls.Hpke;

/// <summary>HPKE KDF identifiers (RFC 9180 section 7.2).</summary>
public enum KdfId : ushort
{
    /// <summary>HKDF-SHA256 (Nh 32).</summary>
    HkdfSha256 = 0x0001,

    /// <summary>HKDF-SHA384 (Nh 48).</summary>
    HkdfSha384 = 0x0002,

    /// <summary>HKDF-SHA512 (Nh 64).</summary>
    HkdfSha512 = 0x0003,
}
