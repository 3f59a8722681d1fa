namespace Slim.Mls.CipherSuites;

/// <summary>MLS cipher suite identifiers (RFC 9420 section 17.1). The wire type is a uint16.</summary>
public enum CipherSuiteId : ushort
{
    /// <summary>MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: the suite every MLS client must implement.</summary>
    X25519Aes128GcmSha256Ed25519 = 0x0001,

    /// <summary>MLS_128_DHKEMP256_AES128GCM_SHA256_P256: the SLIM default.</summary>
    P256Aes128GcmSha256P256 = 0x0002,

    /// <summary>MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.</summary>
    X25519ChaCha20Poly1305Sha256Ed25519 = 0x0003,

    /// <summary>MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448.</summary>
    X448Aes256GcmSha512Ed448 = 0x0004,

    /// <summary>MLS_256_DHKEMP521_AES256GCM_SHA512_P521.</summary>
    P521Aes256GcmSha512P521 = 0x0005,

    /// <summary>MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448.</summary>
    X448ChaCha20Poly1305Sha512Ed448 = 0x0006,

    /// <summary>MLS_256_DHKEMP384_AES256GCM_SHA384_P384.</summary>
    P384Aes256GcmSha384P384 = 0x0007,
}
