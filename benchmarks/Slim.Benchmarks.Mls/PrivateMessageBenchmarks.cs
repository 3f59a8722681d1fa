using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Slim.Mls.CipherSuites;
using Slim.Mls.Framing;
using Slim.Mls.KeySchedule;
using Slim.Mls.SecretTree;
using Slim.Mls.Tree;

namespace Slim.Benchmarks.Mls;

/// <summary>
/// A 1 KiB application message from leaf 0 of a 2-member group: sign + encrypt (<see cref="Protect"/>), and the full
/// round trip to the receiver's decrypt + signature check (<see cref="ProtectAndUnprotect"/>). The signing and
/// verification keys are parsed once, as a group does.
/// </summary>
[MemoryDiagnoser]
public class PrivateMessageBenchmarks : IDisposable
{
    private static readonly LeafIndex Sender = new(0);

    private CipherSuite _suite = null!;
    private GroupContext _context = null!;
    private SignaturePrivateKey _signer = null!;
    private SignaturePublicKey _verifier = null!;
    private EncryptionSecretTree _senderTree = null!;
    private EncryptionSecretTree _receiverTree = null!;
    private EncryptionSecretTree _protectOnlyTree = null!;
    private byte[] _senderDataSecret = null!;
    private byte[] _payload = null!;

    /// <summary>MLS cipher suite: 1 = X25519/AES-128-GCM/SHA-256/Ed25519, 2 = P-256/AES-128-GCM/SHA-256/ECDSA.</summary>
    [Params(CipherSuiteId.X25519Aes128GcmSha256Ed25519, CipherSuiteId.P256Aes128GcmSha256P256)]
    public CipherSuiteId Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _suite = CipherSuite.Get(Suite);
        _context = new GroupContext(Suite, RandomNumberGenerator.GetBytes(16), 7, RandomNumberGenerator.GetBytes(_suite.HashLength), RandomNumberGenerator.GetBytes(_suite.HashLength));
        using var keys = _suite.GenerateSignatureKeyPair();
        _signer = _suite.SignatureScheme.ImportPrivateKey(keys.PrivateKey);
        _verifier = _suite.SignatureScheme.ImportPublicKey(keys.PublicKey);
        var encryptionSecret = RandomNumberGenerator.GetBytes(_suite.HashLength);
        _senderTree = new EncryptionSecretTree(_suite, encryptionSecret, 2);
        _receiverTree = new EncryptionSecretTree(_suite, encryptionSecret, 2);
        _protectOnlyTree = new EncryptionSecretTree(_suite, encryptionSecret, 2);
        _senderDataSecret = RandomNumberGenerator.GetBytes(_suite.HashLength);
        _payload = RandomNumberGenerator.GetBytes(1024);
    }

    [Benchmark]
    public byte[] Protect() => Encrypt(_protectOnlyTree).ToBytes();

    [Benchmark]
    public AuthenticatedContent ProtectAndUnprotect()
    {
        var wire = Encrypt(_senderTree).ToBytes();
        return MlsMessage.Decode(wire).PrivateMessage!.Unprotect(_suite, _receiverTree, _senderDataSecret, _context, _ => _verifier);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _signer?.Dispose();
        _verifier?.Dispose();
        _senderTree?.Dispose();
        _receiverTree?.Dispose();
        _protectOnlyTree?.Dispose();
        GC.SuppressFinalize(this);
    }

    private MlsMessage Encrypt(EncryptionSecretTree tree)
    {
        var content = new FramedContent(_context.GroupId, _context.Epoch, Slim.Mls.Framing.Sender.Member(Sender), [], ContentType.Application, _payload);
        var signed = AuthenticatedContent.Sign(_suite, WireFormat.PrivateMessage, content, _signer, _context);
        return MlsMessage.From(PrivateMessage.Protect(_suite, signed, tree, _senderDataSecret));
    }
}
