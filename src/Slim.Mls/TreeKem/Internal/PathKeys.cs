using System.Security.Cryptography;
using Slim.Mls.Hpke;
using Slim.Mls.Tree;

namespace Slim.Mls.TreeKem.Internal;

/// <summary>
/// The HPKE private keys a member holds for its own leaf and the nodes of its direct path, keyed by node index.
/// A key is only used while the tree still shows its public half at that node.
/// </summary>
internal sealed class PathKeys : IDisposable
{
    private readonly Dictionary<uint, HpkeKeyPair> _keys = [];

    public PathKeys(LeafIndex leaf) => Leaf = leaf;

    public LeafIndex Leaf { get; set; }

    public IReadOnlyDictionary<uint, HpkeKeyPair> Keys => _keys;

    public void Set(uint node, HpkeKeyPair pair)
    {
        if (_keys.Remove(node, out var old) && !ReferenceEquals(old, pair))
        {
            old.Dispose();
        }

        _keys[node] = pair;
    }

    /// <summary>The private key for <paramref name="node"/> if the tree still holds its public key there.</summary>
    public byte[]? Find(RatchetTree tree, uint node) =>
        _keys.TryGetValue(node, out var pair) && tree.GetNode(new NodeIndex(node)) is { } current &&
        current.EncryptionKey.Span.SequenceEqual(pair.PublicKey)
            ? pair.PrivateKey
            : null;

    /// <summary>Drops keys whose node no longer shows their public key (blanked or replaced).</summary>
    public void Prune(RatchetTree tree)
    {
        foreach (var node in _keys.Keys.ToArray())
        {
            if (Find(tree, node) is null)
            {
                _keys.Remove(node, out var pair);
                pair!.Dispose();
            }
        }
    }

    public PathKeys Clone()
    {
        var copy = new PathKeys(Leaf);
        foreach (var (node, pair) in _keys)
        {
            copy._keys[node] = new HpkeKeyPair((byte[])pair.PrivateKey.Clone(), pair.PublicKey);
        }

        return copy;
    }

    public void Dispose()
    {
        foreach (var pair in _keys.Values)
        {
            pair.Dispose();
        }

        _keys.Clear();
    }

    internal static void Wipe(byte[]? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
