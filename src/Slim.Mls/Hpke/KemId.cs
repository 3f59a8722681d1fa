namespace Slim.Mls.Hpke;

/// <summary>HPKE KEM identifiers (RFC 9180 section 7.1).</summary>
public enum KemId : ushort
{
    /// <summary>DHKEM(P-256, HKDF-SHA256): Nsecret 32, Nenc/Npk 65, Nsk 32.</summary>
    DhKemP256Sha256 = 0x0010,

    /// <summary>DHKEM(P-384, HKDF-SHA384): Nsecret 48, Nenc/Npk 97, Nsk 48.</summary>
    DhKemP384Sha384 = 0x0011,

    /// <summary>DHKEM(P-521, HKDF-SHA512): Nsecret 64, Nenc/Npk 133, Nsk 66.</summary>
    DhKemP521Sha512 = 0x0012,

    /// <summary>DHKEM(X25519, HKDF-SHA256): Nsecret 32, Nenc/Npk/Nsk 32.</summary>
    DhKemX25519Sha256 = 0x0020,

    /// <summary>DHKEM(X448, HKDF-SHA512): Nsecret 64, Nenc/Npk/Nsk 56.</summary>
    DhKemX448Sha512 = 0x0021,
}
