using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Hpke;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tree;

namespace Slim.Mls.TreeKem.Internal;

/// <summary>The secrets a committer derived for its UpdatePath: one path secret per filtered direct path node, and the commit secret.</summary>
internal sealed class GeneratedPath : IDisposable
{
    public GeneratedPath(uint[] nodes, byte[][] pathSecrets, byte[] commitSecret, GroupContext provisionalContext)
    {
        Nodes = nodes;
        PathSecrets = pathSecrets;
        CommitSecret = commitSecret;
        ProvisionalContext = provisionalContext;
    }

    public uint[] Nodes { get; }

    public byte[][] PathSecrets { get; }

    public byte[] CommitSecret { get; }

    public GroupContext ProvisionalContext { get; }

    /// <summary>The path secret of <paramref name="node"/>, or null when it is not on the filtered direct path.</summary>
    public byte[]? PathSecretFor(uint node)
    {
        var i = Array.IndexOf(Nodes, node);
        return i < 0 ? null : PathSecrets[i];
    }

    public void Dispose()
    {
        foreach (var secret in PathSecrets)
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        CryptographicOperations.ZeroMemory(CommitSecret);
    }
}

/// <summary>
/// TreeKEM (RFC 9420 sections 7.4-7.6 and 7.9): creating an UpdatePath, merging one into the tree with its parent
/// hashes, and recovering the path secrets from one.
/// </summary>
internal static class TreeKemEngine
{
    /// <summary>
    /// Creates the committer's UpdatePath on <paramref name="tree"/> (proposals already applied) and merges it.
    /// <paramref name="signLeaf"/> builds the signed commit-source leaf from its new encryption key and parent hash;
    /// <paramref name="provisionalContext"/> builds the provisional GroupContext from the new tree hash.
    /// The new private keys are stored in <paramref name="keys"/>.
    /// </summary>
    public static (UpdatePath Path, GeneratedPath Secrets) Generate(
        RatchetTree tree,
        LeafIndex sender,
        Func<byte[], byte[], LeafNode> signLeaf,
        Func<byte[], GroupContext> provisionalContext,
        Func<uint, bool>? excluded,
        PathKeys keys,
        int maxDegreeOfParallelism)
    {
        var suite = tree.Suite;
        var senderNode = 2 * sender.Value;
        var path = tree.FilteredDirectPathOf(senderNode);
        var n = path.Count;

        var secrets = new byte[n][];
        var pairs = new HpkeKeyPair[n];
        var seed = RandomNumberGenerator.GetBytes(suite.HashLength);
        var current = seed;
        for (var i = 0; i < n; i++)
        {
            if (i > 0)
            {
                current = suite.DeriveSecret(current, "path");
            }

            secrets[i] = current;
            pairs[i] = NodeKeyPair(suite, current);
        }

        var commitSecret = suite.DeriveSecret(current, "path");
        if (n == 0)
        {
            CryptographicOperations.ZeroMemory(seed);
        }

        var leafPair = suite.GenerateHpkeKeyPair();
        var leafParentHash = Merge(tree, sender, path, [.. pairs.Select(p => p.PublicKey)]);
        var leaf = signLeaf(leafPair.PublicKey, leafParentHash);
        tree.SetNode(senderNode, leaf);
        var context = provisionalContext(tree.RootTreeHash());

        // Encrypt each path secret to every node of its copath child's resolution (minus the commit's new members).
        var jobs = new List<(int Level, int Slot, byte[] PublicKey)>();
        var ciphertexts = new HpkeCiphertext[n][];
        var resolution = new List<uint>();
        for (var i = 0; i < n; i++)
        {
            resolution.Clear();
            tree.AppendResolution(path[i].Copath, resolution, excluded, int.MaxValue);
            ciphertexts[i] = new HpkeCiphertext[resolution.Count];
            for (var j = 0; j < resolution.Count; j++)
            {
                jobs.Add((i, j, tree.GetNode(new NodeIndex(resolution[j]))!.EncryptionKeyArray));
            }
        }

        var prepared = suite.PrepareEncryptWithLabel("UpdatePathNode", context.Encoded);
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegreeOfParallelism) }, k =>
        {
            var (level, slot, key) = jobs[k];
            ciphertexts[level][slot] = suite.EncryptWithLabelPrepared(key, prepared, secrets[level]);
        });

        var nodes = new UpdatePathNode[n];
        for (var i = 0; i < n; i++)
        {
            nodes[i] = new UpdatePathNode(pairs[i].PublicKey, ciphertexts[i]);
            keys.Set(path[i].Node, pairs[i]);
        }

        keys.Set(senderNode, leafPair);
        return (new UpdatePath(leaf, nodes), new GeneratedPath([.. path.Select(p => p.Node)], secrets, commitSecret, context));
    }

    /// <summary>
    /// Merges a received UpdatePath into <paramref name="tree"/> (proposals already applied), checks the committer
    /// leaf's parent hash and the uniqueness of the new keys, and returns the provisional GroupContext. The leaf node
    /// itself must be validated by the caller.
    /// </summary>
    public static GroupContext Merge(RatchetTree tree, LeafIndex sender, UpdatePath updatePath, Func<byte[], GroupContext> provisionalContext)
    {
        var senderNode = 2 * sender.Value;
        var path = tree.FilteredDirectPathOf(senderNode);
        if (path.Count != updatePath.Nodes.Count)
        {
            throw new MlsException(MlsErrorCode.UpdatePathInvalid, $"The UpdatePath has {updatePath.Nodes.Count} nodes; the committer's filtered direct path has {path.Count}.");
        }

        // None of the new public keys may already appear in the tree (the committer's own old path is about to be blanked).
        var directPath = new HashSet<uint>(tree.DirectPathOf(senderNode)) { senderNode };
        var existing = new HashSet<byte[]>(Slim.Mls.Internal.ByteArrayComparer.Instance);
        for (var i = 0u; i < tree.NodeCount; i++)
        {
            if (!directPath.Contains(i) && tree.GetNode(new NodeIndex(i)) is { } node)
            {
                existing.Add(node.EncryptionKeyArray);
            }
        }

        var newKeys = new HashSet<byte[]>(Slim.Mls.Internal.ByteArrayComparer.Instance);
        foreach (var key in updatePath.Nodes.Select(n => n.EncryptionKey).Append(updatePath.LeafNode.EncryptionKeyArray))
        {
            if (existing.Contains(key) || !newKeys.Add(key))
            {
                throw new MlsException(MlsErrorCode.DuplicateKey, "A public key of the UpdatePath already appears in the tree.");
            }

            if (!tree.Suite.Kem.IsValidPublicKey(key))
            {
                throw new MlsException(MlsErrorCode.UpdatePathInvalid, "An UpdatePath public key is not valid for the suite.");
            }
        }

        var leafParentHash = Merge(tree, sender, path, [.. updatePath.Nodes.Select(n => n.EncryptionKey)]);
        if (!CryptographicOperations.FixedTimeEquals(leafParentHash, updatePath.LeafNode.ParentHashArray))
        {
            throw new MlsException(MlsErrorCode.ParentHashInvalid, "The committer's leaf node does not carry the parent hash of its new path.");
        }

        tree.SetNode(senderNode, updatePath.LeafNode);
        return provisionalContext(tree.RootTreeHash());
    }

    /// <summary>
    /// Recovers the commit secret from a merged UpdatePath as the member at <paramref name="keys"/>.Leaf, storing the
    /// private keys of the updated nodes above it. Returns the commit secret and the decrypted path secret.
    /// </summary>
    public static (byte[] CommitSecret, byte[] DecryptedPathSecret) Decrypt(
        RatchetTree tree, LeafIndex sender, UpdatePath updatePath, GroupContext provisionalContext, Func<uint, bool>? excluded, PathKeys keys)
    {
        var suite = tree.Suite;
        var myNode = 2 * keys.Leaf.Value;
        var path = tree.FilteredDirectPathOf(2 * sender.Value);
        var level = path.FindIndex(p => TreeContains(p.Copath, myNode));
        if (level < 0)
        {
            throw new MlsException(MlsErrorCode.PathSecretUnavailable, "This member is not below the committer's filtered direct path.");
        }

        var resolution = new List<uint>();
        tree.AppendResolution(path[level].Copath, resolution, excluded, int.MaxValue);
        var ciphertexts = updatePath.Nodes[level].EncryptedPathSecret;
        if (ciphertexts.Count != resolution.Count)
        {
            throw new MlsException(MlsErrorCode.UpdatePathInvalid, $"UpdatePath node {level} has {ciphertexts.Count} ciphertexts for a resolution of {resolution.Count}.");
        }

        byte[]? privateKey = null;
        var slot = -1;
        for (var j = 0; j < resolution.Count && privateKey is null; j++)
        {
            if (TreeContains(resolution[j], myNode) && keys.Find(tree, resolution[j]) is { } key)
            {
                privateKey = key;
                slot = j;
            }
        }

        if (privateKey is null)
        {
            throw new MlsException(MlsErrorCode.PathSecretUnavailable, "No private key for any node of the copath resolution.");
        }

        var secret = suite.DecryptWithLabel(privateKey, "UpdatePathNode", provisionalContext.Encoded, ciphertexts[slot].KemOutput, ciphertexts[slot].Ciphertext);
        var decrypted = (byte[])secret.Clone();
        var commitSecret = DeriveUp(suite, secret, level, [.. path.Select(p => p.Node)], [.. updatePath.Nodes.Select(n => n.EncryptionKey)], keys);
        return (commitSecret, decrypted);
    }

    /// <summary>
    /// Starting from <paramref name="secret"/> at <paramref name="level"/> of a filtered direct path, derives every
    /// node key pair up to the root, checks each against <paramref name="publicKeys"/>, stores them, and returns the
    /// commit secret (the path secret one above the root).
    /// </summary>
    public static byte[] DeriveUp(CipherSuite suite, byte[] secret, int level, uint[] nodes, byte[][] publicKeys, PathKeys keys)
    {
        var current = secret;
        for (var k = level; k < nodes.Length; k++)
        {
            if (k > level)
            {
                var next = suite.DeriveSecret(current, "path");
                CryptographicOperations.ZeroMemory(current);
                current = next;
            }

            var pair = NodeKeyPair(suite, current);
            if (!pair.PublicKey.AsSpan().SequenceEqual(publicKeys[k]))
            {
                pair.Dispose();
                throw new MlsException(MlsErrorCode.UpdatePathInvalid, $"The key derived for node {nodes[k]} does not match the UpdatePath.");
            }

            keys.Set(nodes[k], pair);
        }

        var commit = suite.DeriveSecret(current, "path");
        CryptographicOperations.ZeroMemory(current);
        return commit;
    }

    /// <summary><c>node_priv, node_pub = KEM.DeriveKeyPair(DeriveSecret(path_secret, "node"))</c>.</summary>
    public static HpkeKeyPair NodeKeyPair(CipherSuite suite, byte[] pathSecret)
    {
        var nodeSecret = suite.DeriveSecret(pathSecret, "node");
        try
        {
            return suite.DeriveHpkeKeyPair(nodeSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(nodeSecret);
        }
    }

    /// <summary>True when <paramref name="node"/> lies in the subtree of <paramref name="ancestor"/>.</summary>
    public static bool TreeContains(uint ancestor, uint node) => TreeMath.IsInSubtree(new NodeIndex(ancestor), new NodeIndex(node));

    // Blanks the sender's direct path, installs the new parent nodes with their parent hashes (computed root first)
    // and returns the parent hash the committer's leaf must carry.
    private static byte[] Merge(RatchetTree tree, LeafIndex sender, List<(uint Node, uint Copath)> path, byte[][] publicKeys)
    {
        tree.BlankDirectPath(sender);
        byte[] parentHash = [];
        for (var i = path.Count - 1; i >= 0; i--)
        {
            tree.SetNode(path[i].Node, new ParentNode(publicKeys[i], parentHash, Array.Empty<uint>()));
            parentHash = tree.ComputeParentHash(publicKeys[i], parentHash, tree.TreeHashOf(path[i].Copath));
        }

        return parentHash;
    }
}
