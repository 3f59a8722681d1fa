using Slim.Mls.Codec;
using Slim.Mls.Credentials;
using Slim.Mls.Internal;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;

namespace Slim.Mls.Extensions;

/// <summary>
/// The <c>required_capabilities</c> GroupContext extension (RFC 9420 section 11.1):
/// <code>
/// struct {
///     ExtensionType extension_types&lt;V&gt;;
///     ProposalType proposal_types&lt;V&gt;;
///     CredentialType credential_types&lt;V&gt;;
/// } RequiredCapabilities;
/// </code>
/// </summary>
public sealed class RequiredCapabilities : ITlsEncodable, ITlsDecodable<RequiredCapabilities>
{
    /// <summary>Creates the extension body (lists are copied).</summary>
    public RequiredCapabilities(IEnumerable<ExtensionType> extensionTypes, IEnumerable<ProposalType> proposalTypes, IEnumerable<CredentialType> credentialTypes)
    {
        ExtensionTypes = [.. extensionTypes];
        ProposalTypes = [.. proposalTypes];
        CredentialTypes = [.. credentialTypes];
    }

    /// <summary>Extension types every member must support.</summary>
    public IReadOnlyList<ExtensionType> ExtensionTypes { get; }

    /// <summary>Proposal types every member must support.</summary>
    public IReadOnlyList<ProposalType> ProposalTypes { get; }

    /// <summary>Credential types every member must support.</summary>
    public IReadOnlyList<CredentialType> CredentialTypes { get; }

    /// <summary>True when <paramref name="capabilities"/> covers every requirement.</summary>
    public bool IsSatisfiedBy(Capabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return ExtensionTypes.All(capabilities.SupportsExtension) &&
               ProposalTypes.All(capabilities.SupportsProposal) &&
               CredentialTypes.All(capabilities.SupportsCredential);
    }

    /// <summary>The extension carrying this body.</summary>
    public Extension ToExtension() => new(ExtensionType.RequiredCapabilities, TlsCodec.Serialize(this));

    /// <inheritdoc />
    public static RequiredCapabilities ReadFrom(ref TlsReader reader)
    {
        var extensions = TlsLists.ReadUInt16List(ref reader);
        var proposals = TlsLists.ReadUInt16List(ref reader);
        var credentials = TlsLists.ReadUInt16List(ref reader);
        return new RequiredCapabilities(
            extensions.Select(v => (ExtensionType)v), proposals.Select(v => (ProposalType)v), credentials.Select(v => (CredentialType)v));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        TlsLists.WriteUInt16List(ref writer, [.. ExtensionTypes.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. ProposalTypes.Select(v => (ushort)v)]);
        TlsLists.WriteUInt16List(ref writer, [.. CredentialTypes.Select(v => (ushort)v)]);
    }
}
