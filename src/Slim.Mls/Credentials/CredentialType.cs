namespace Slim.Mls.Credentials;

/// <summary>MLS credential types (RFC 9420 section 17.5). The wire type is a uint16; unknown values may be listed in capabilities.</summary>
public enum CredentialType : ushort
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>A bare identity chosen by the application (SLIM: a UTF-8 identity token).</summary>
    Basic = 1,

    /// <summary>A chain of DER-encoded X.509 certificates, end-entity first.</summary>
    X509 = 2,
}
