using Slim.Mls.Codec;

namespace Slim.Mls.Credentials;

/// <summary>
/// A member's credential (RFC 9420 section 5.3). Immutable; equality compares the encodings.
/// <code>
/// struct { opaque cert_data&lt;V&gt;; } Certificate;
/// struct {
///     CredentialType credential_type;          // uint16
///     select (credential_type) {
///         case basic: opaque identity&lt;V&gt;;
///         case x509:  Certificate certificates&lt;V&gt;;
///     };
/// } Credential;
/// </code>
/// Other credential types are carried as one <c>opaque&lt;V&gt;</c> body (the form extension credential types take in
/// the common implementations); validators refuse them unless they know the type.
/// </summary>
public sealed class Credential : ITlsEncodable, ITlsDecodable<Credential>, IEquatable<Credential>
{
    private readonly byte[] _identity;
    private readonly byte[][] _certificates;

    private Credential(CredentialType type, byte[] identity, byte[][] certificates)
    {
        Type = type;
        _identity = identity;
        _certificates = certificates;
    }

    /// <summary>The credential type.</summary>
    public CredentialType Type { get; }

    /// <summary>The identity of a basic credential, or the opaque body of an unknown type (empty for X.509).</summary>
    public ReadOnlyMemory<byte> Identity => _identity;

    /// <summary>The DER certificates of an X.509 credential, end-entity first (empty for basic).</summary>
    public IReadOnlyList<byte[]> Certificates => _certificates;

    /// <summary>A basic credential carrying <paramref name="identity"/> (copied).</summary>
    public static Credential Basic(ReadOnlySpan<byte> identity) => new(CredentialType.Basic, identity.ToArray(), []);

    /// <summary>An X.509 credential carrying DER certificates, end-entity first (copied).</summary>
    public static Credential X509(IEnumerable<byte[]> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        return new Credential(CredentialType.X509, [], [.. certificates.Select(c => (byte[])c.Clone())]);
    }

    /// <inheritdoc />
    public static Credential ReadFrom(ref TlsReader reader)
    {
        var type = (CredentialType)reader.ReadUInt16();
        switch (type)
        {
            case CredentialType.Basic:
                return new Credential(type, reader.ReadVectorBytes(), []);
            case CredentialType.X509:
                var list = reader.ReadVectorReader();
                var certs = new List<byte[]>();
                while (!list.IsEnd)
                {
                    certs.Add(list.ReadVectorBytes());
                }

                return new Credential(type, [], [.. certs]);
            default:
                return new Credential(type, reader.ReadVectorBytes(), []);
        }
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)Type);
        if (Type != CredentialType.X509)
        {
            writer.WriteVector(_identity);
            return;
        }

        var marker = writer.BeginVector();
        foreach (var cert in _certificates)
        {
            writer.WriteVector(cert);
        }

        writer.EndVector(marker);
    }

    /// <summary>True when both credentials have the same encoding.</summary>
    public bool Equals(Credential? other) =>
        other is not null && Type == other.Type && _identity.AsSpan().SequenceEqual(other._identity) &&
        _certificates.Length == other._certificates.Length &&
        _certificates.Zip(other._certificates).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Credential);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, _identity.Length, _certificates.Length);

    /// <inheritdoc />
    public override string ToString() => Type == CredentialType.Basic ? $"basic({_identity.Length} bytes)" : $"{Type}({_certificates.Length} certificates)";
}
