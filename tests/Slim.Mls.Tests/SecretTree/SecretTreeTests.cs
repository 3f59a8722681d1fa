using Slim.Mls.CipherSuites;
using Slim.Mls.SecretTree;
using Slim.Mls.Tests.Vectors;
using Slim.Mls.Tree;

namespace Slim.Mls.Tests.SecretTree;

/// <summary>secret-tree.json (RFC 9420 sections 9, 9.1, 6.3.2): 21 cases (7 suites x 1, 8 and 32 leaves), generations 0 and 15.</summary>
public sealed class SecretTreeTests
{
    private const string File = "secret-tree.json";

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ratchet_keys_and_nonces_match_for_every_leaf(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index];
        var leaves = v.GetProperty("leaves");
        using var tree = new EncryptionSecretTree(suite, v.Bytes("encryption_secret"), (uint)leaves.GetArrayLength());
        for (var leaf = 0u; leaf < tree.LeafCount; leaf++)
        {
            foreach (var step in leaves[(int)leaf].EnumerateArray())
            {
                var generation = (uint)step.UInt64("generation");
                using var handshake = tree.TakeKey(new LeafIndex(leaf), RatchetType.Handshake, generation);
                Assert.Equal(step.Bytes("handshake_key"), handshake.Key);
                Assert.Equal(step.Bytes("handshake_nonce"), handshake.Nonce);
                using var application = tree.TakeKey(new LeafIndex(leaf), RatchetType.Application, generation);
                Assert.Equal(step.Bytes("application_key"), application.Key);
                Assert.Equal(step.Bytes("application_nonce"), application.Nonce);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sender_data_key_and_nonce_match(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index].GetProperty("sender_data");
        var (key, nonce) = SenderDataKeys.Derive(suite, v.Bytes("sender_data_secret"), v.Bytes("ciphertext"));
        Assert.Equal(v.Bytes("key"), key);
        Assert.Equal(v.Bytes("nonce"), nonce);
    }

    [Fact]
    public void A_sender_and_a_receiver_walk_the_same_ratchet_in_and_out_of_order()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256);
        var secret = new byte[32];
        secret[0] = 1;
        using var sender = new EncryptionSecretTree(suite, secret, 4);
        using var receiver = new EncryptionSecretTree(suite, secret, 4);
        var alice = new LeafIndex(2);

        var sent = Enumerable.Range(0, 10).Select(_ => sender.NextKey(alice, RatchetType.Application)).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (uint)i), sent.Select(k => k.Generation));
        Assert.Equal(10u, sender.NextGeneration(alice, RatchetType.Application));

        foreach (var generation in new uint[] { 3, 1, 9, 0, 2, 8, 4, 7, 6, 5 })
        {
            using var peeked = receiver.PeekKey(alice, RatchetType.Application, generation);
            Assert.Equal(sent[(int)generation].Key, peeked.Key);
            Assert.Equal(sent[(int)generation].Nonce, peeked.Nonce);
            receiver.ConsumeKey(alice, RatchetType.Application, generation);

            var reuse = Assert.Throws<MlsException>(() => receiver.PeekKey(alice, RatchetType.Application, generation));
            Assert.Equal(MlsErrorCode.SecretTreeGenerationExpired, reuse.ErrorCode);
        }

        Assert.Equal(0, receiver.RetainedKeyCount(alice, RatchetType.Application));

        // The handshake ratchet and other leaves are independent of the application ratchet.
        using var handshake = receiver.TakeKey(alice, RatchetType.Handshake, 0);
        Assert.NotEqual(sent[0].Key, handshake.Key);
    }

    [Fact]
    public void Peeking_consumes_nothing_so_a_forged_generation_cannot_delete_keys()
    {
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        using var tree = new EncryptionSecretTree(suite, new byte[32], 2);
        var leaf = new LeafIndex(1);
        using var far = tree.PeekKey(leaf, RatchetType.Application, 500);
        Assert.Equal(0u, tree.NextGeneration(leaf, RatchetType.Application));
        using var first = tree.TakeKey(leaf, RatchetType.Application, 0);
        Assert.Equal(1u, tree.NextGeneration(leaf, RatchetType.Application));
    }

    [Fact]
    public void The_out_of_order_window_and_forward_limit_are_enforced()
    {
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        var options = new SecretTreeOptions { OutOfOrderTolerance = 4, MaximumForwardDistance = 100 };
        using var tree = new EncryptionSecretTree(suite, new byte[32], 8, options);
        var leaf = new LeafIndex(5);

        using (tree.TakeKey(leaf, RatchetType.Application, 20))
        {
        }

        // Generations 16..19 are kept (window of 4); 15 and below are gone.
        Assert.Equal(4, tree.RetainedKeyCount(leaf, RatchetType.Application));
        Assert.Equal(MlsErrorCode.SecretTreeGenerationExpired, Assert.Throws<MlsException>(() => tree.PeekKey(leaf, RatchetType.Application, 15)).ErrorCode);
        using (tree.TakeKey(leaf, RatchetType.Application, 16))
        {
        }

        using (tree.TakeKey(leaf, RatchetType.Application, 22))
        {
        }

        // 21 was skipped and kept; 17 fell out of the window when the ratchet moved to 23.
        Assert.Equal(MlsErrorCode.SecretTreeGenerationExpired, Assert.Throws<MlsException>(() => tree.PeekKey(leaf, RatchetType.Application, 17)).ErrorCode);
        using (tree.TakeKey(leaf, RatchetType.Application, 21))
        {
        }

        var tooFar = Assert.Throws<MlsException>(() => tree.PeekKey(leaf, RatchetType.Application, 23 + 101));
        Assert.Equal(MlsErrorCode.SecretTreeGenerationTooFarAhead, tooFar.ErrorCode);
        var outside = Assert.Throws<MlsException>(() => tree.NextKey(new LeafIndex(8), RatchetType.Application));
        Assert.Equal(MlsErrorCode.LeafIndexOutOfRange, outside.ErrorCode);
    }

    [Fact]
    public void Exported_state_restores_positions_retained_keys_and_unused_subtrees()
    {
        var suite = CipherSuite.Get(CipherSuiteId.P384Aes256GcmSha384P384);
        var secret = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        using var reference = new EncryptionSecretTree(suite, secret, 8);
        using var original = new EncryptionSecretTree(suite, secret, 8);
        using (original.TakeKey(new LeafIndex(3), RatchetType.Application, 5))
        {
        }

        using var restored = EncryptionSecretTree.ImportState(suite, original.ExportState());
        Assert.Equal(6u, restored.NextGeneration(new LeafIndex(3), RatchetType.Application));
        using var skipped = restored.TakeKey(new LeafIndex(3), RatchetType.Application, 2);
        using var expected = reference.TakeKey(new LeafIndex(3), RatchetType.Application, 2);
        Assert.Equal(expected.Key, skipped.Key);
        using var otherLeaf = restored.TakeKey(new LeafIndex(6), RatchetType.Handshake, 1);
        using var otherExpected = reference.TakeKey(new LeafIndex(6), RatchetType.Handshake, 1);
        Assert.Equal(otherExpected.Nonce, otherLeaf.Nonce);
    }

    [Fact]
    public void Random_or_damaged_state_only_produces_the_typed_decode_error()
    {
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        using var tree = new EncryptionSecretTree(suite, new byte[32], 4);
        using (tree.TakeKey(new LeafIndex(1), RatchetType.Application, 3))
        {
        }

        var state = tree.ExportState();
        var random = new Random(5);
        for (var i = 0; i < 3000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(200)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])state.Clone();
                input[random.Next(input.Length)] ^= (byte)(1 + random.Next(255));
                input = input[..random.Next(input.Length + 1)];
            }

            try
            {
                using var restored = EncryptionSecretTree.ImportState(suite, input);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }
}
