using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Internal;
using Slim.Mls.Proposals;

namespace Slim.Mls.Tree;

/// <summary>
/// What a client supports (RFC 9420 section 7.2). The default proposal types (1-7) and extension types (1-5) are
/// implied and not listed; unknown (and GREASE) values are carried and ignored.
/// <code>
/// struct {
///     ProtocolVersion versions&lt;V&gt;;
///     CipherSuite cipher_suites&lt;V&gt;;
///     ExtensionType extensions&lt;V&gt;;
///     ProposalType proposals&lt;V&gt;;
///     CredentialType credentials&lt;V&gt;;
/// } Capabilities;
/// </code>
/// </summary>
public sealed class Capabilities : ITlsEncodable, ITlsDecodable<Capabilities>, IEquatable<Capabilities>
{
    /// <summary>Creates a capabilities object (the lists are copied).</summary>
    public Capabilities(
        IEnumerable<ProtocolVersion> versions,
        IEnumerable<CipherSuiteId> cipherSuites,
        IEnumerable<ExtensionType> extensions,
        IEnumerable<ProposalType> proposals,
        IEnumerable<CredentialType> credentials)
    {
        Versions = [.. versions];
        CipherSuites = [.. cipherSuites];
        Extensions = [.. extensions];
        Proposals = [.. proposals];
        Credentials = [.. credentials];
    }

    /// <summary>Supported protocol versions.</summary>
    public IReadOnlyList<ProtocolVersion> Versions { get; }

    /// <summary>Supported cipher suites.</summary>
    public IReadOnlyList<CipherSuiteId> CipherSuites { get; }

    /// <summary>Supported non-default extension types.</summary>
    public IReadOnlyList<ExtensionType> Extensions { get; }

    /// <summary>Supported non-default proposal types.</summary>
    public IReadOnlyList<ProposalType> Proposals { get; }

    /// <summary>Supported credential types.</summary>
    public IReadOnlyList<CredentialType> Credentials { get; }

    /// <summary>
    /// What this library supports for <paramref name="suite"/>: mls10, that suite (plus the other built-in suites),
    /// no non-default extensions or proposals, basic credentials.
    /// </summary>
    public static Capabilities Default(CipherSuiteId suite) =>
        new([ProtocolVersion.Mls10], [suite, .. CipherSuite.SupportedIds.Where(s => s != suite)], [], [], [CredentialType.Basic]);

    /// <summary>True for the extension types every client supports without listing them.</summary>
    public static bool IsDefaultExtension(ExtensionType type) => (ushort)type is >= 1 and <= 5;

    /// <summary>True for the proposal types every client supports without listing them.</summary>
    public static bool IsDefaultProposal(ProposalType type) => (ushort)type is >= 1 and <= 7;

    /// <summary>True when the extension type is a default one or listed.</summary>
    public bool SupportsExtension(ExtensionType type) => IsDefaultExtension(type) || Extensions.Contains(type);

    /// <summary>True when the proposal type is a default one or listed.</summary>
    public bool SupportsProposal(ProposalType type) => IsDefaultProposal(type) || Proposals.Contains(type);

    /// <summary>True when the credential type is listed.</summary>
    public bool SupportsCredential(CredentialType type) => Credentials.Contains(type);

    /// <inheritdoc />
    public static Capabilities ReadFrom(ref TlsReader reader)
    {
        var versions = TlsLists.ReadUInt16List(ref reader);
        var suites = TlsLists.ReadUInt16List(ref reader);
        var extensions = TlsLists.ReadUInt16List(ref reader);
        var proposals = TlsLists.ReadUInt16List(ref reader);
        var credentials = TlsLists.ReadUInt16List(ref reader);
        return new Capabilities(
            versions.Select(v => (ProtocolVersion)v),
            suites.Select(v => (CipherSuiteId)v),
            extensions.Select(v => (ExtensionType)v),
            proposals.Select(v => (ProposalType)v),
            credentials.Select(v => (CredentialType)v));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        TlsLists.WriteUInt16List(ref writer, [.. Versions.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. CipherSuites.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. Extensions.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. Proposals.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. Credentials.Select(v => (ushort)v)]);
    }

    /// <summary>Equal when every list is equal, in order.</summary>
    public bool Equals(Capabilities? other) =>
        other is not null && Versions.SequenceEqual(other.Versions) && CipherSuites.SequenceEqual(other.CipherSuites) &&
        Extensions.SequenceEqual(other.Extensions) && Proposals.SequenceEqual(other.Proposals) && Credentials.SequenceEqual(other.Credentials);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Capabilities);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Versions.Count, CipherSuites.Count, Extensions.Count, Proposals.Count, Credentials.Count);
}
