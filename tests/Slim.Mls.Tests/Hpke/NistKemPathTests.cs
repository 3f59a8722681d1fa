using Slim.Mls.Hpke;
using Slim.Mls.Hpke.Internal;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Hpke;

/// <summary>
/// The NIST DHKEMs have two back ends: OpenSSL 3 through Slim.Crypto (default) and the BCL (fallback). Both must meet
/// the RFC 9180 vectors and interoperate.
/// </summary>
public sealed class NistKemPathTests
{
    [Theory]
    [InlineData(KemId.DhKemP256Sha256)]
    [InlineData(KemId.DhKemP384Sha384)]
    [InlineData(KemId.DhKemP521Sha512)]
    public void The_openssl_and_bcl_back_ends_interoperate(KemId id)
    {
        var fast = new NistDhKem(id, preferOpenSsl: true);
        var bcl = new NistDhKem(id, preferOpenSsl: false);
        Assert.True(fast.UsesOpenSsl, "OpenSSL 3 is expected on the CI image");
        Assert.False(bcl.UsesOpenSsl);

        for (var i = 0; i < 3; i++)
        {
            using var fromFast = fast.GenerateKeyPair();
            using var fromBcl = bcl.GenerateKeyPair();
            Assert.Equal(fromFast.PublicKey, bcl.GetPublicKey(fromFast.PrivateKey));
            Assert.Equal(fromBcl.PublicKey, fast.GetPublicKey(fromBcl.PrivateKey));

            var sent = new byte[fast.SharedSecretLength];
            var received = new byte[fast.SharedSecretLength];
            var enc = fast.Encap(fromBcl.PublicKey, sent);
            bcl.Decap(enc, fromBcl.PrivateKey, received);
            Assert.Equal(sent, received);

            enc = bcl.Encap(fromFast.PublicKey, sent);
            fast.Decap(enc, fromFast.PrivateKey, received);
            Assert.Equal(sent, received);
        }
    }

    [Fact]
    public void The_bcl_back_end_meets_the_rfc9180_vectors_too()
    {
        var checkedEntries = 0;
        foreach (var v in VectorFile.Hpke("rfc9180-base-mode.json"))
        {
            var id = (KemId)v.Int32("kem_id");
            if (id is not (KemId.DhKemP256Sha256 or KemId.DhKemP384Sha384 or KemId.DhKemP521Sha512))
            {
                continue;
            }

            var kem = new NistDhKem(id, preferOpenSsl: false);
            using var recipient = kem.DeriveKeyPair(v.Bytes("ikmR"));
            Assert.Equal(v.Bytes("skRm"), recipient.PrivateKey);
            Assert.Equal(v.Bytes("pkRm"), recipient.PublicKey);
            var shared = new byte[kem.SharedSecretLength];
            Assert.Equal(v.Bytes("enc"), kem.EncapDeterministic(v.Bytes("pkRm"), v.Bytes("ikmE"), shared));
            Assert.Equal(v.Bytes("shared_secret"), shared);
            kem.Decap(v.Bytes("enc"), v.Bytes("skRm"), shared);
            Assert.Equal(v.Bytes("shared_secret"), shared);
            checkedEntries++;
        }

        Assert.Equal(4, checkedEntries);
    }
}
