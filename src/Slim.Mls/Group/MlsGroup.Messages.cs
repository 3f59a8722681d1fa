using Slim.Mls.Codec;
using Slim.Mls.Extensions;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;

namespace Slim.Mls.Group;

/// <summary>Application messages and stand-alone proposals.</summary>
public sealed partial class MlsGroup
{
    /// <summary>
    /// Encrypts application data as a PrivateMessage, authenticating (not encrypting) <paramref name="authenticatedData"/>
    /// (SLIM puts the header-integrity AAD there). Persists the group before returning when a store is configured, so a restart
    /// never reuses a generation.
    /// </summary>
    public async ValueTask<MlsMessage> EncryptApplicationMessageAsync(
        ReadOnlyMemory<byte> plaintext, ReadOnlyMemory<byte> authenticatedData = default, CancellationToken cancellationToken = default)
    {
        EnsureActive();
        var message = Protect(ContentType.Application, plaintext.ToArray(), authenticatedData.ToArray(), forceEncrypt: true);
        Internal.MlsMetrics.MessagesEncrypted.Add(1);
        await PersistAsync(cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>Proposes adding the client of <paramref name="keyPackage"/>; the proposal is also cached here for this member's next commit.</summary>
    public ValueTask<MlsMessage> ProposeAddAsync(KeyPackage keyPackage, CancellationToken cancellationToken = default) =>
        ProposeAsync(new AddProposal(keyPackage ?? throw new ArgumentNullException(nameof(keyPackage))), cancellationToken);

    /// <summary>Proposes removing the member at <paramref name="leaf"/>.</summary>
    public ValueTask<MlsMessage> ProposeRemoveAsync(LeafIndex leaf, CancellationToken cancellationToken = default) =>
        ProposeAsync(new RemoveProposal(leaf), cancellationToken);

    /// <summary>
    /// Proposes replacing this member's leaf with a fresh encryption key (and optionally a new credential, for
    /// example a renewed identity token), as SLIM participants do before the moderator commits.
    /// </summary>
    public ValueTask<MlsMessage> ProposeUpdateAsync(Credentials.Credential? credential = null, CancellationToken cancellationToken = default)
    {
        EnsureActive();
        var old = _state.Tree.GetLeaf(OwnLeafIndex)!;
        using var pair = Suite.GenerateHpkeKeyPair();
        var leaf = LeafNode.Create(
            Suite, _signer, pair.PublicKey, credential ?? old.Credential, old.Capabilities, LeafNodeSource.Update, default, [], old.Extensions, _state.Context.GroupId, OwnLeafIndex.Value);
        _pendingUpdateKeys[pair.PublicKey] = (byte[])pair.PrivateKey.Clone();
        return ProposeAsync(new UpdateProposal(leaf), cancellationToken);
    }

    /// <summary>Proposes replacing the GroupContext extensions.</summary>
    public ValueTask<MlsMessage> ProposeGroupContextExtensionsAsync(IReadOnlyList<Extension> extensions, CancellationToken cancellationToken = default) =>
        ProposeAsync(new GroupContextExtensionsProposal(extensions ?? throw new ArgumentNullException(nameof(extensions))), cancellationToken);

    /// <summary>Sends any proposal as this member; it is cached so this member's next commit includes it.</summary>
    public async ValueTask<MlsMessage> ProposeAsync(Proposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        EnsureActive();
        var body = TlsCodec.Serialize(proposal);
        var message = Protect(ContentType.Proposal, body, [], forceEncrypt: false, out var auth);
        var reference = Suite.MakeProposalRef(TlsCodec.Serialize(auth));
        var key = Convert.ToHexString(reference);
        if (_proposals.TryAdd(key, new Internal.CachedProposal(proposal, auth.Content.Sender, reference)))
        {
            _proposalOrder.Add(key);
        }

        await PersistAsync(cancellationToken).ConfigureAwait(false);
        return message;
    }

    private MlsMessage Protect(ContentType type, byte[] content, byte[] authenticatedData, bool forceEncrypt) =>
        Protect(type, content, authenticatedData, forceEncrypt, out _);

    private MlsMessage Protect(ContentType type, byte[] content, byte[] authenticatedData, bool forceEncrypt, out AuthenticatedContent auth)
    {
        var state = _state;
        var encrypt = forceEncrypt || Options.EncryptHandshakeMessages;
        var wireFormat = encrypt ? WireFormat.PrivateMessage : WireFormat.PublicMessage;
        var framed = new FramedContent(state.Context.GroupId, state.Context.Epoch, Sender.Member(OwnLeafIndex), authenticatedData, type, content);
        auth = AuthenticatedContent.Sign(Suite, wireFormat, framed, _signer, state.Context);
        return encrypt
            ? MlsMessage.From(PrivateMessage.Protect(Suite, auth, state.SecretTree, state.Secrets.SenderDataSecret, Padding(content.Length)))
            : MlsMessage.From(PublicMessage.Protect(Suite, auth, state.Context, state.Secrets.MembershipKey));
    }
}
