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

    public void Dispose()
    {
        Keys.Dispose();
        Secrets.Dispose();
        SecretTree.Dispose();
    }
}
