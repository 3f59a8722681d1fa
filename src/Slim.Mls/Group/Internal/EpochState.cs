using Slim.Mls.KeySchedule;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem.Internal;

namespace Slim.Mls.Group.Internal;

/// <summary>Everything a member holds for one epoch. Replaced as a whole when a commit is applied.</summary>
internal sealed class EpochState : IDisposable
{
    public EpochState(GroupContext context, RatchetTree tree, PathKeys keys, EpochSecrets secrets, EncryptionSecretTree secretTree, byte[] interimTranscriptHash, byte[] confirmationTag)
    {
        Context = context;
        Tree = tree;
        Keys = keys;
        Secrets = secrets;
        SecretTree = secretTree;
        InterimTranscriptHash = interimTranscriptHash;
        ConfirmationTag = confirmationTag;
    }

    public GroupContext Context { get; }

    public RatchetTree Tree { get; }

    public PathKeys Keys { get; }

    public EpochSecrets Secrets { get; }

    public EncryptionSecretTree SecretTree { get; }

    public byte[] InterimTranscriptHash { get; }

    /// <summary>The confirmation tag of the commit that started this epoch (for GroupInfo).</summary>
    public byte[] ConfirmationTag { get; }

    /// <summary>The epoch-constant part of the serialized group state, cached (it holds secrets; wiped on disposal).</summary>
    public byte[]? EncodedEpochPart { get; set; }

    /// <summary>Wipes everything but the secret tree, which a <see cref="PastEpoch"/> keeps for late messages.</summary>
    public void DisposeExceptSecretTree()
    {
        if (EncodedEpochPart is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(EncodedEpochPart);
        }

        Keys.Dispose();
        Secrets.Dispose();
    }

    public void Dispose()
    {
        if (EncodedEpochPart is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(EncodedEpochPart);
        }

        Keys.Dispose();
        Secrets.Dispose();
        SecretTree.Dispose();
    }
}

/// <summary>What is kept of an earlier epoch to decrypt its late application messages (no path keys, no epoch secrets).</summary>
internal sealed class PastEpoch : IDisposable
{
    public PastEpoch(GroupContext context, RatchetTree tree, EncryptionSecretTree secretTree, byte[] senderDataSecret)
    {
        Context = context;
        Tree = tree;
        SecretTree = secretTree;
        SenderDataSecret = senderDataSecret;
    }

    public GroupContext Context { get; }

    public RatchetTree Tree { get; }

    public EncryptionSecretTree SecretTree { get; }

    public byte[] SenderDataSecret { get; }

    public void Dispose()
    {
        SecretTree.Dispose();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(SenderDataSecret);
    }
}
