namespace Slim.Mls.CipherSuites;

/// <summary>TLS <c>SignatureScheme</c> code points used by the MLS cipher suites (RFC 8446 section 4.2.3).</summary>
public enum SignatureSchemeId : ushort
{
    /// <summary>ECDSA over P-256 with SHA-256, DER-encoded signatures.</summary>
    EcdsaSecp256r1Sha256 = 0x0403,

    /// <summary>ECDSA over P-384 with SHA-384, DER-encoded signatures.</summary>
    EcdsaSecp384r1Sha384 = 0x0503,

    /// <summary>ECDSA over P-521 with SHA-512, DER-encoded signatures.</summary>
    EcdsaSecp521r1Sha512 = 0x0603,

    /// <summary>Ed25519 (RFC 8032).</summary>
    Ed25519 = 0x0807,

    /// <summary>Ed448 (RFC 8032, empty context).</summary>
    Ed448 = 0x0808,
}
