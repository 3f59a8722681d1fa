using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.SecretTree.Internal;
using Slim.Mls.Tree;

namespace Slim.Mls.SecretTree;

/// <summary>
/// The secret tree of one epoch (RFC 9420 section 9), rooted at <c>encryption_secret</c>, with a handshake and an
/// application ratchet per leaf. Node secrets are derived lazily and deleted as soon as their children exist; a used
/// key is deleted at once (section 9.2). Not thread-safe: the group serializes access.
/// <code>
/// tree_node[N] --+--&gt; ExpandWithLabel(., "tree", "left",  Nh) = tree_node[left(N)]
///                +--&gt; ExpandWithLabel(., "tree", "right", Nh) = tree_node[right(N)]
/// leaf secret  --+--&gt; ExpandWithLabel(., "handshake",   "", Nh) = handshake ratchet, generation 0
///                +--&gt; ExpandWithLabel(., "application", "", Nh) = application ratchet, generation 0
/// </code>
/// </summary>
/// <remarks>
/// Receivers use <see cref="PeekKey"/> to decrypt and <see cref="ConsumeKey"/> once the message authenticated, so a
/// forged message cannot make the tree delete keys. Senders use <see cref="NextKey"/>.
/// </remarks>
public sealed class EncryptionSecretTree : IDisposable
{
    private readonly CipherSuite _suite;
    private readonly SecretTreeOptions _options;
    private readonly byte[]?[] _nodes;
    private readonly HashRatchet?[] _handshake;
    private readonly HashRatchet?[] _application;

    /// <summary>Creates the tree for an epoch.</summary>
    /// <param name="suite">The group's cipher suite.</param>
    /// <param name="encryptionSecret">The epoch's <c>encryption_secret</c> (copied).</param>
    /// <param name="leafCount">Leaves of the ratchet tree (a power of two).</param>
    /// <param name="options">Out-of-order limits; <see cref="SecretTreeOptions.Default"/> when null.</param>
    public EncryptionSecretTree(CipherSuite suite, ReadOnlySpan<byte> encryptionSecret, uint leafCount, SecretTreeOptions? options = null)
        : this(suite, leafCount, options)
    {
        if (encryptionSecret.Length != suite.HashLength)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"encryption_secret is {suite.HashLength} bytes; got {encryptionSecret.Length}.");
        }

        _nodes[TreeMath.Root(leafCount).Value] = encryptionSecret.ToArray();
    }

    private EncryptionSecretTree(CipherSuite suite, uint leafCount, SecretTreeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (!TreeMath.IsValidLeafCount(leafCount))
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, $"An MLS tree has a power-of-two number of leaves; got {leafCount}.");
        }

        _suite = suite;
        _options = options ?? SecretTreeOptions.Default;
        LeafCount = leafCount;
        _nodes = new byte[]?[TreeMath.NodeWidth(leafCount)];
        _handshake = new HashRatchet?[leafCount];
        _application = new HashRatchet?[leafCount];
    }

    /// <summary>Number of leaves.</summary>
    public uint LeafCount { get; }

    /// <summary>The limits in force.</summary>
    public SecretTreeOptions Options => _options;

    /// <summary>The key for the next message <paramref name="sender"/> sends; consumed immediately.</summary>
    public RatchetKey NextKey(LeafIndex sender, RatchetType type) => Ratchet(sender, type).Next();

    /// <summary>The generation the next message of <paramref name="sender"/> will use (or the next one expected from it).</summary>
    public uint NextGeneration(LeafIndex sender, RatchetType type) => Ratchet(sender, type).NextGeneration;

    /// <summary>
    /// The key of one generation, for trying a decryption; nothing is consumed. Call <see cref="ConsumeKey"/> once the
    /// message authenticates.
    /// </summary>
    /// <exception cref="MlsException">
    /// <see cref="MlsErrorCode.SecretTreeGenerationExpired"/> (already used or outside the window),
    /// <see cref="MlsErrorCode.SecretTreeGenerationTooFarAhead"/>, or <see cref="MlsErrorCode.LeafIndexOutOfRange"/>.
    /// </exception>
    public RatchetKey PeekKey(LeafIndex sender, RatchetType type, uint generation) => Ratchet(sender, type).Peek(generation);

    /// <summary>Deletes the key of <paramref name="generation"/>, keeping skipped ones inside the out-of-order window.</summary>
    public void ConsumeKey(LeafIndex sender, RatchetType type, uint generation) => Ratchet(sender, type).Consume(generation);

    /// <summary><see cref="PeekKey"/> and <see cref="ConsumeKey"/> in one step.</summary>
    public RatchetKey TakeKey(LeafIndex sender, RatchetType type, uint generation) => Ratchet(sender, type).Take(generation);

    /// <summary>Number of skipped-generation keys currently kept for a sender (for tests and metrics).</summary>
    public int RetainedKeyCount(LeafIndex sender, RatchetType type) => Ratchet(sender, type).RetainedKeys;

    /// <summary>
    /// Serializes the tree's current state (remaining node secrets, ratchet positions, retained keys) so a client can
    /// persist it and never reuse a generation after a restart. The output holds secrets: store it protected.
    /// </summary>
    public byte[] ExportState()
    {
        var writer = new TlsWriter(256);
        try
        {
            writer.WriteUInt32(LeafCount);
            for (var i = 0; i < _nodes.Length; i++)
            {
                writer.WriteOptionalVector(_nodes[i]);
            }

            for (var leaf = 0; leaf < LeafCount; leaf++)
            {
                WriteRatchet(ref writer, _handshake[leaf]);
                WriteRatchet(ref writer, _application[leaf]);
            }

            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }

        static void WriteRatchet(ref TlsWriter writer, HashRatchet? ratchet)
        {
            writer.WritePresence(ratchet is not null);
            ratchet?.WriteState(ref writer);
        }
    }

    /// <summary>Restores a tree saved with <see cref="ExportState"/>.</summary>
    /// <exception cref="MlsDecodeException">The state is malformed.</exception>
    public static EncryptionSecretTree ImportState(CipherSuite suite, ReadOnlySpan<byte> state, SecretTreeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var reader = new TlsReader(state);
        var leafCount = reader.ReadUInt32();
        if (!TreeMath.IsValidLeafCount(leafCount) || (ulong)leafCount * 4 > (ulong)state.Length)
        {
            throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Invalid leaf count {leafCount}", -4);
        }

        var tree = new EncryptionSecretTree(suite, leafCount, options);
        try
        {
            for (var i = 0; i < tree._nodes.Length; i++)
            {
                tree._nodes[i] = reader.ReadPresence() ? HashRatchet.ReadSized(ref reader, suite.HashLength) : null;
            }

            for (var leaf = 0; leaf < leafCount; leaf++)
            {
                tree._handshake[leaf] = reader.ReadPresence() ? HashRatchet.ReadState(suite, tree._options, ref reader) : null;
                tree._application[leaf] = reader.ReadPresence() ? HashRatchet.ReadState(suite, tree._options, ref reader) : null;
            }

            reader.EnsureEnd();
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>Wipes every remaining secret and key.</summary>
    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                CryptographicOperations.ZeroMemory(node);
            }
        }

        Array.Clear(_nodes);
        for (var i = 0; i < LeafCount; i++)
        {
            _handshake[i]?.Dispose();
            _application[i]?.Dispose();
            _handshake[i] = null;
            _application[i] = null;
        }
    }

    private HashRatchet Ratchet(LeafIndex sender, RatchetType type)
    {
        if (sender.Value >= LeafCount)
        {
            throw new MlsException(MlsErrorCode.LeafIndexOutOfRange, $"{sender} is outside a tree of {LeafCount} leaves.");
        }

        var ratchets = type == RatchetType.Handshake ? _handshake : _application;
        if (ratchets[sender.Value] is { } existing)
        {
            return existing;
        }

        InitializeLeaf(sender);
        return ratchets[sender.Value]!;
    }

    private void InitializeLeaf(LeafIndex leaf)
    {
        var target = leaf.Node;
        if (_nodes[target.Value] is null)
        {
            // Find the nearest ancestor still holding its secret, then derive down, deleting each parent.
            var path = TreeMath.DirectPath(target, LeafCount);
            var start = Array.FindIndex(path, n => _nodes[n.Value] is not null);
            if (start < 0)
            {
                throw new MlsException(MlsErrorCode.InvalidState, $"The secrets for {leaf} were already deleted.");
            }

            for (var i = start; i >= 0; i--)
            {
                DeriveChildren(path[i]);
            }
        }

        var leafSecret = _nodes[target.Value]!;
        _nodes[target.Value] = null;
        try
        {
            var handshake = new byte[_suite.HashLength];
            var application = new byte[_suite.HashLength];
            _suite.ExpandWithLabel(leafSecret, "handshake"u8, [], handshake);
            _suite.ExpandWithLabel(leafSecret, "application"u8, [], application);
            _handshake[leaf.Value] = new HashRatchet(_suite, _options, handshake, 0);
            _application[leaf.Value] = new HashRatchet(_suite, _options, application, 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(leafSecret);
        }
    }

    private void DeriveChildren(NodeIndex parent)
    {
        var secret = _nodes[parent.Value]!;
        var left = new byte[_suite.HashLength];
        var right = new byte[_suite.HashLength];
        _suite.ExpandWithLabel(secret, "tree"u8, "left"u8, left);
        _suite.ExpandWithLabel(secret, "tree"u8, "right"u8, right);
        _nodes[TreeMath.Left(parent).Value] = left;
        _nodes[TreeMath.Right(parent).Value] = right;
        CryptographicOperations.ZeroMemory(secret);
        _nodes[parent.Value] = null;
    }
}
