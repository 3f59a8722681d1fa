using Slim.Mls.Codec;

namespace Slim.Mls.Framing.Internal;

/// <summary>
/// Walks the wire grammar of the structures a FramedContent or an MLSMessage can embed without a length prefix
/// (Proposal, Commit, KeyPackage, Welcome, GroupInfo and what they contain), to find where each one ends. Nothing is
/// materialized: the typed decoders of the group layer read the delimited bytes. Every method throws only
/// <see cref="MlsDecodeException"/>.
/// </summary>
/// <remarks>
/// Values outside the RFC 9420 registries: an unknown credential type or proposal type is read as one
/// <c>opaque&lt;V&gt;</c> body (the form extension types take in the common implementations, and the shape of both
/// RFC-defined credential types); an unknown leaf-node source, proposal-or-ref type or PSK type is malformed.
/// </remarks>
internal static class MessageStructure
{
    /// <summary>Proposal types of RFC 9420 section 17.4.</summary>
    internal enum ProposalType : ushort
    {
        Add = 1,
        Update = 2,
        Remove = 3,
        PreSharedKey = 4,
        ReInit = 5,
        ExternalInit = 6,
        GroupContextExtensions = 7,
    }

    /// <summary>
    /// <code>
    /// struct { ProposalType proposal_type; select (proposal_type) { add: KeyPackage; update: LeafNode; remove: uint32;
    ///          psk: PreSharedKeyID; reinit: ReInit; external_init: opaque kem_output&lt;V&gt;;
    ///          group_context_extensions: Extension extensions&lt;V&gt;; }; } Proposal;
    /// </code>
    /// </summary>
    internal static void SkipProposal(ref TlsReader reader)
    {
        var type = (ProposalType)reader.ReadUInt16();
        SkipProposalBody(ref reader, type);
    }

    internal static void SkipProposalBody(ref TlsReader reader, ProposalType type)
    {
        switch (type)
        {
            case ProposalType.Add:
                SkipKeyPackage(ref reader);
                break;
            case ProposalType.Update:
                SkipLeafNode(ref reader);
                break;
            case ProposalType.Remove:
                reader.ReadUInt32();
                break;
            case ProposalType.PreSharedKey:
                SkipPreSharedKeyId(ref reader);
                break;
            case ProposalType.ReInit:
                // struct { opaque group_id<V>; ProtocolVersion version; CipherSuite cipher_suite; Extension extensions<V>; }
                reader.ReadVector();
                reader.ReadUInt16();
                reader.ReadUInt16();
                SkipExtensions(ref reader);
                break;
            case ProposalType.ExternalInit:
                reader.ReadVector();
                break;
            case ProposalType.GroupContextExtensions:
                SkipExtensions(ref reader);
                break;
            default:
                reader.ReadVector(); // extension proposal types: opaque body
                break;
        }
    }

    /// <summary>
    /// <code>
    /// struct { ProposalOrRef proposals&lt;V&gt;; optional&lt;UpdatePath&gt; path; } Commit;
    /// struct { ProposalOrRefType type; select (type) { proposal: Proposal; reference: opaque ProposalRef&lt;V&gt;; }; } ProposalOrRef;
    /// </code>
    /// </summary>
    internal static void SkipCommit(ref TlsReader reader)
    {
        var proposals = reader.ReadVectorReader();
        while (!proposals.IsEnd)
        {
            var kind = proposals.ReadUInt8();
            switch (kind)
            {
                case 1:
                    SkipProposal(ref proposals);
                    break;
                case 2:
                    proposals.ReadVector();
                    break;
                default:
                    throw proposals.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown ProposalOrRef type {kind}", -1);
            }
        }

        if (reader.ReadPresence())
        {
            SkipUpdatePath(ref reader);
        }
    }

    /// <summary>
    /// <code>
    /// struct { LeafNode leaf_node; UpdatePathNode nodes&lt;V&gt;; } UpdatePath;
    /// struct { HPKEPublicKey encryption_key&lt;V&gt;; HPKECiphertext encrypted_path_secret&lt;V&gt;; } UpdatePathNode;
    /// struct { opaque kem_output&lt;V&gt;; opaque ciphertext&lt;V&gt;; } HPKECiphertext;
    /// </code>
    /// </summary>
    internal static void SkipUpdatePath(ref TlsReader reader)
    {
        SkipLeafNode(ref reader);
        var nodes = reader.ReadVectorReader();
        while (!nodes.IsEnd)
        {
            nodes.ReadVector();
            var secrets = nodes.ReadVectorReader();
            while (!secrets.IsEnd)
            {
                secrets.ReadVector();
                secrets.ReadVector();
            }
        }
    }

    /// <summary>
    /// <code>
    /// struct { ProtocolVersion version; CipherSuite cipher_suite; HPKEPublicKey init_key&lt;V&gt;; LeafNode leaf_node;
    ///          Extension extensions&lt;V&gt;; opaque signature&lt;V&gt;; } KeyPackage;
    /// </code>
    /// </summary>
    internal static void SkipKeyPackage(ref TlsReader reader)
    {
        reader.ReadUInt16();
        reader.ReadUInt16();
        reader.ReadVector();
        SkipLeafNode(ref reader);
        SkipExtensions(ref reader);
        reader.ReadVector();
    }

    /// <summary>
    /// <code>
    /// struct { HPKEPublicKey encryption_key&lt;V&gt;; SignaturePublicKey signature_key&lt;V&gt;; Credential credential;
    ///          Capabilities capabilities; LeafNodeSource leaf_node_source;
    ///          select (leaf_node_source) { key_package: uint64 not_before, uint64 not_after; update: struct{};
    ///                                      commit: opaque parent_hash&lt;V&gt;; };
    ///          Extension extensions&lt;V&gt;; opaque signature&lt;V&gt;; } LeafNode;
    /// </code>
    /// </summary>
    internal static void SkipLeafNode(ref TlsReader reader)
    {
        reader.ReadVector();
        reader.ReadVector();
        SkipCredential(ref reader);
        SkipCapabilities(ref reader);
        var source = reader.ReadUInt8();
        switch (source)
        {
            case 1:
                reader.ReadUInt64();
                reader.ReadUInt64();
                break;
            case 2:
                break;
            case 3:
                reader.ReadVector();
                break;
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown leaf node source {source}", -1);
        }

        SkipExtensions(ref reader);
        reader.ReadVector();
    }

    /// <summary>
    /// <code>
    /// struct { CredentialType credential_type; select (credential_type) { basic: opaque identity&lt;V&gt;;
    ///          x509: Certificate certificates&lt;V&gt;; }; } Credential;     // Certificate = opaque cert_data&lt;V&gt;
    /// </code>
    /// </summary>
    internal static void SkipCredential(ref TlsReader reader)
    {
        var type = reader.ReadUInt16();
        if (type == 2)
        {
            var certificates = reader.ReadVectorReader();
            while (!certificates.IsEnd)
            {
                certificates.ReadVector();
            }
        }
        else
        {
            reader.ReadVector(); // basic identity, or an extension credential's opaque body
        }
    }

    /// <summary>
    /// <code>
    /// struct { ProtocolVersion versions&lt;V&gt;; CipherSuite cipher_suites&lt;V&gt;; ExtensionType extensions&lt;V&gt;;
    ///          ProposalType proposals&lt;V&gt;; CredentialType credentials&lt;V&gt;; } Capabilities;   // all uint16 lists
    /// </code>
    /// </summary>
    internal static void SkipCapabilities(ref TlsReader reader)
    {
        for (var i = 0; i < 5; i++)
        {
            var list = reader.ReadVector();
            if (list.Length % 2 != 0)
            {
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, "A uint16 list has an odd length");
            }
        }
    }

    /// <summary><c>Extension extensions&lt;V&gt;</c> with <c>struct { uint16 extension_type; opaque extension_data&lt;V&gt;; }</c>.</summary>
    internal static void SkipExtensions(ref TlsReader reader)
    {
        var extensions = reader.ReadVectorReader();
        while (!extensions.IsEnd)
        {
            extensions.ReadUInt16();
            extensions.ReadVector();
        }
    }

    /// <summary>PreSharedKeyID (RFC 9420 section 8.4).</summary>
    internal static void SkipPreSharedKeyId(ref TlsReader reader)
    {
        var type = reader.ReadUInt8();
        switch (type)
        {
            case 1:
                reader.ReadVector();
                break;
            case 2:
                reader.ReadUInt8();
                reader.ReadVector();
                reader.ReadUInt64();
                break;
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown PSK type {type}", -1);
        }

        reader.ReadVector();
    }

    /// <summary>
    /// <code>
    /// struct { CipherSuite cipher_suite; EncryptedGroupSecrets secrets&lt;V&gt;; opaque encrypted_group_info&lt;V&gt;; } Welcome;
    /// struct { opaque new_member&lt;V&gt;; HPKECiphertext encrypted_group_secrets; } EncryptedGroupSecrets;
    /// </code>
    /// </summary>
    internal static void SkipWelcome(ref TlsReader reader)
    {
        reader.ReadUInt16();
        var secrets = reader.ReadVectorReader();
        while (!secrets.IsEnd)
        {
            secrets.ReadVector();
            secrets.ReadVector();
            secrets.ReadVector();
        }

        reader.ReadVector();
    }

    /// <summary>
    /// <code>
    /// struct { GroupContext group_context; Extension extensions&lt;V&gt;; MAC confirmation_tag&lt;V&gt;; uint32 signer;
    ///          opaque signature&lt;V&gt;; } GroupInfo;
    /// GroupContext = uint16 version, uint16 cipher_suite, group_id&lt;V&gt;, uint64 epoch, tree_hash&lt;V&gt;,
    ///                confirmed_transcript_hash&lt;V&gt;, Extension extensions&lt;V&gt;
    /// </code>
    /// </summary>
    internal static void SkipGroupInfo(ref TlsReader reader)
    {
        reader.ReadUInt16();
        reader.ReadUInt16();
        reader.ReadVector();
        reader.ReadUInt64();
        reader.ReadVector();
        reader.ReadVector();
        SkipExtensions(ref reader);
        SkipExtensions(ref reader);
        reader.ReadVector();
        reader.ReadUInt32();
        reader.ReadVector();
    }

    /// <summary>Reads one structure of <paramref name="contentType"/> and returns its bytes (application data without its header).</summary>
    internal static byte[] ReadContent(ref TlsReader reader, ContentType contentType)
    {
        switch (contentType)
        {
            case ContentType.Application:
                return reader.ReadVectorBytes();
            case ContentType.Proposal:
            case ContentType.Commit:
                var start = reader.Position;
                if (contentType == ContentType.Proposal)
                {
                    SkipProposal(ref reader);
                }
                else
                {
                    SkipCommit(ref reader);
                }

                return reader.Buffer[start..reader.Position].ToArray();
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown content type {(byte)contentType}", -1);
        }
    }
}
