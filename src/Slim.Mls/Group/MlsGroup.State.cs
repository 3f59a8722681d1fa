using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.Group.Internal;
using Slim.Mls.Hpke;
using Slim.Mls.KeySchedule;
using Slim.Mls.Proposals;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem.Internal;

namespace Slim.Mls.Group;

/// <summary>Serializing and restoring a group (SLIM persists after every operation).</summary>
public sealed partial class MlsGroup
{
    private const byte StateVersion = 1;

    /// <summary>
    /// The group's state as bytes: GroupContext, tree, private path keys, epoch secrets, transcript hash, secret-tree
    /// generations, cached proposals and recent resumption PSKs. Holds secrets: protect it at rest. A pending commit is
    /// not included. The signature key is not included either (<see cref="Restore"/> takes it).
    /// </summary>
    public byte[] ExportState()
    {
        var state = _state;
        var writer = new TlsWriter(4096 + (int)(state.Tree.LeafCount * 300));
        try
        {
            writer.WriteUInt8(StateVersion);
            writer.WriteUInt16((ushort)Suite.Id);
            writer.WriteBytes(state.EncodedEpochPart ??= EncodeEpochPart(state));
            writer.WriteVector(state.SecretTree.ExportState());

            var marker = writer.BeginVector();
            foreach (var key in _proposalOrder)
            {
                var cached = _proposals[key];
                writer.WriteVector(cached.Reference);
                cached.Sender.WriteTo(ref writer);
                writer.WriteVector(TlsCodec.Serialize(cached.Proposal));
            }

            writer.EndVector(marker);
            marker = writer.BeginVector();
            foreach (var (epoch, psk) in _resumptionPsks)
            {
                writer.WriteUInt64(epoch);
                writer.WriteVector(psk);
            }

            writer.EndVector(marker);
            marker = writer.BeginVector();
            foreach (var (publicKey, privateKey) in _pendingUpdateKeys)
            {
                writer.WriteVector(publicKey);
                writer.WriteVector(privateKey);
            }

            writer.EndVector(marker);
            writer.WritePresence(IsActive);
            writer.WriteOptionalVector(PendingReInit is null ? null : TlsCodec.Serialize(PendingReInit));
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    // The part of the state that is fixed for an epoch (context, tree, path keys, epoch secrets, transcript): encoded
    // once per epoch, because a store saves the group after every message and the tree is O(N) bytes.
    private static byte[] EncodeEpochPart(EpochState state)
    {
        var writer = new TlsWriter(4096 + (int)(state.Tree.LeafCount * 300));
        try
        {
            state.Context.WriteTo(ref writer);
            writer.WriteVector(state.Tree.Encode());
            writer.WriteUInt32(state.Keys.Leaf.Value);
            var marker = writer.BeginVector();
            foreach (var (node, pair) in state.Keys.Keys)
            {
                writer.WriteUInt32(node);
                writer.WriteVector(pair.PrivateKey);
                writer.WriteVector(pair.PublicKey);
            }

            writer.EndVector(marker);
            var s = state.Secrets;
            foreach (var secret in new[] { s.JoinerSecret, s.WelcomeSecret, s.SenderDataSecret, s.EncryptionSecret, s.ExporterSecret, s.ExternalSecret, s.ConfirmationKey, s.MembershipKey, s.ResumptionPsk, s.EpochAuthenticator, s.InitSecret })
            {
                writer.WriteVector(secret);
            }

            writer.WriteVector(state.InterimTranscriptHash);
            writer.WriteVector(state.ConfirmationTag);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Rebuilds a group from <see cref="ExportState"/> output; <paramref name="signer"/> is the member's signature key.</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.StateInvalid"/> when the bytes are not a state this version wrote.</exception>
    public static MlsGroup Restore(ReadOnlySpan<byte> state, SignaturePrivateKey signer, MlsGroupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        options ??= MlsGroupOptions.Default;
        try
        {
            var reader = new TlsReader(state);
            if (reader.ReadUInt8() != StateVersion)
            {
                throw new MlsException(MlsErrorCode.StateInvalid, "Unknown group state version.");
            }

            var suite = CipherSuite.Get((CipherSuiteId)reader.ReadUInt16());
            var context = GroupContext.ReadFrom(ref reader);
            var tree = RatchetTree.Decode(suite, reader.ReadVector());
            var keys = new PathKeys(new LeafIndex(reader.ReadUInt32()));
            var keyList = reader.ReadVectorReader();
            while (!keyList.IsEnd)
            {
                var node = keyList.ReadUInt32();
                var priv = keyList.ReadVectorBytes();
                keys.Set(node, new HpkeKeyPair(priv, keyList.ReadVectorBytes()));
            }

            var s = new byte[11][];
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = reader.ReadVectorBytes();
            }

            var secrets = new EpochSecrets(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]);
            var interim = reader.ReadVectorBytes();
            var tag = reader.ReadVectorBytes();
            var secretTree = EncryptionSecretTree.ImportState(suite, reader.ReadVector(), options.SecretTree);
            var group = new MlsGroup(suite, signer, options, new EpochState(context, tree, keys, secrets, secretTree, interim, tag));

            var proposals = reader.ReadVectorReader();
            while (!proposals.IsEnd)
            {
                var reference = proposals.ReadVectorBytes();
                var sender = Sender.ReadFrom(ref proposals);
                var proposal = TlsCodec.Deserialize<Proposal>(proposals.ReadVector());
                var key = Convert.ToHexString(reference);
                group._proposals[key] = new CachedProposal(proposal, sender, reference);
                group._proposalOrder.Add(key);
            }

            var psks = reader.ReadVectorReader();
            while (!psks.IsEnd)
            {
                var epoch = psks.ReadUInt64();
                group._resumptionPsks[epoch] = psks.ReadVectorBytes();
            }

            var updates = reader.ReadVectorReader();
            while (!updates.IsEnd)
            {
                var publicKey = updates.ReadVectorBytes();
                group._pendingUpdateKeys[publicKey] = updates.ReadVectorBytes();
            }

            group.IsActive = reader.ReadPresence();
            var reinit = reader.ReadOptionalVectorBytes();
            group.PendingReInit = reinit is null ? null : (ReInitProposal)TlsCodec.Deserialize<Proposal>(reinit);
            reader.EnsureEnd();
            return group;
        }
        catch (MlsException e) when (e.ErrorCode != MlsErrorCode.StateInvalid)
        {
            throw new MlsException(MlsErrorCode.StateInvalid, "The group state is corrupt.", e);
        }
        catch (InvalidCastException e)
        {
            throw new MlsException(MlsErrorCode.StateInvalid, "The group state is corrupt.", e);
        }
    }

    /// <summary>Loads a group from <paramref name="store"/>; null when the store does not know it.</summary>
    public static async Task<MlsGroup?> LoadAsync(
        IMlsGroupStore store, ReadOnlyMemory<byte> groupId, SignaturePrivateKey signer, MlsGroupOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var state = await store.LoadAsync(groupId, cancellationToken).ConfigureAwait(false);
        return state is null ? null : Restore(state, signer, (options ?? MlsGroupOptions.Default) with { Store = store });
    }
}
