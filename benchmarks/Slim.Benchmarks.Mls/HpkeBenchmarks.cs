using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Slim.Mls.CipherSuites;
using Slim.Mls.Hpke;

namespace Slim.Benchmarks.Mls;

/// <summary>HPKE base-mode single-shot seal and open of a 1 KiB plaintext (EncryptWithLabel's core).</summary>
[MemoryDiagnoser]
public class HpkeBenchmarks : IDisposable
{
    private HpkeSuite _hpke = null!;
    private HpkeKeyPair _recipient = null!;
    private byte[] _plaintext = null!;
    private HpkeCiphertext _sealed;

    /// <summary>MLS cipher suite: 1 = X25519/AES-128-GCM/SHA-256, 2 = P-256/AES-128-GCM/SHA-256.</summary>
    [Params(CipherSuiteId.X25519Aes128GcmSha256Ed25519, CipherSuiteId.P256Aes128GcmSha256P256)]
    public CipherSuiteId Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hpke = CipherSuite.Get(Suite).Hpke;
        _recipient = _hpke.Kem.GenerateKeyPair();
        _plaintext = RandomNumberGenerator.GetBytes(1024);
        _sealed = _hpke.SealBase(_recipient.PublicKey, "info"u8, [], _plaintext);
    }

    [Benchmark]
    public HpkeCiphertext Seal() => _hpke.SealBase(_recipient.PublicKey, "info"u8, [], _plaintext);

    [Benchmark]
    public byte[] Open() => _hpke.OpenBase(_sealed.KemOutput, _recipient.PrivateKey, "info"u8, [], _sealed.Ciphertext);

    [GlobalCleanup]
    public void Dispose()
    {
        _recipient?.Dispose();
        GC.SuppressFinalize(this);
    }
}
