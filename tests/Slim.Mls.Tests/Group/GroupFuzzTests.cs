using System.Text;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Group;
using Slim.Testing;

namespace Slim.Mls.Tests.Group;

/// <summary>Mutated handshake and application messages may only fail with <see cref="MlsException"/>, and leave the group usable.</summary>
public sealed class GroupFuzzTests
{
    [Fact]
    public async Task Mutated_messages_fail_only_with_mls_errors_and_change_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var suite = CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519);
        using var aliceKey = suite.SignatureScheme.ImportPrivateKey(suite.GenerateSignatureKeyPair().PrivateKey);
        using var bobKey = suite.SignatureScheme.ImportPrivateKey(suite.GenerateSignatureKeyPair().PrivateKey);
        using var carolKey = suite.SignatureScheme.ImportPrivateKey(suite.GenerateSignatureKeyPair().PrivateKey);
        using var alice = MlsGroup.Create(suite, aliceKey, Credential.Basic("alice"u8));
        using var bobKp = MlsGroup.CreateKeyPackage(suite, bobKey, Credential.Basic("bob"u8));
        using var carolKp = MlsGroup.CreateKeyPackage(suite, carolKey, Credential.Basic("carol"u8));
        var add = await alice.AddMembersAsync([bobKp.KeyPackage, carolKp.KeyPackage], cancellationToken: ct).WithTimeout();
        using var bob = await MlsGroup.JoinAsync(add.Welcome!, bobKp, bobKey, cancellationToken: ct).WithTimeout();

        var update = (await alice.UpdateAsync(cancellationToken: ct).WithTimeout()).Commit.ToBytes();
        var epoch = bob.Epoch;
        var random = new Random(42);
        var failures = 0;
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])update.Clone();
            for (var f = random.Next(1, 4); f > 0; f--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            }

            try
            {
                await bob.ProcessMessageAsync(bytes, ct).WithTimeout();
            }
            catch (MlsException)
            {
                failures++;
            }

            Assert.Equal(epoch, bob.Epoch);
        }

        Assert.Equal(300, failures);
        await bob.ProcessMessageAsync(update, ct).WithTimeout();
        Assert.Equal(alice.EpochAuthenticator.ToArray(), bob.EpochAuthenticator.ToArray());

        var message = (await alice.EncryptApplicationMessageAsync(Encoding.UTF8.GetBytes("payload"), "aad"u8.ToArray(), ct).WithTimeout()).ToBytes();
        for (var i = 0; i < 200; i++)
        {
            var bytes = (byte[])message.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            await Assert.ThrowsAnyAsync<MlsException>(() => bob.ProcessMessageAsync(bytes, ct).AsTask().WithTimeout());
        }

        Assert.Equal("payload", Encoding.UTF8.GetString((await bob.ProcessMessageAsync(message, ct).WithTimeout()).ApplicationData!));
    }
}
