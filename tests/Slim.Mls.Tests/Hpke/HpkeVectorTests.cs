using System.Text.Json;
using Slim.Mls.Hpke;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Hpke;

/// <summary>
/// rfc9180-base-mode.json: the RFC 9180 Appendix A base-mode vectors for 7 HPKE suites (key derivation, encapsulation,
/// key schedule, 6 encryptions at sequence numbers up to 256, 3 exports each).
/// </summary>
public sealed class HpkeVectorTests
{
    private const string File = "rfc9180-base-mode.json";

    public static TheoryData<int, string> Cases()
    {
        var rows = new TheoryData<int, string>();
        var entries = VectorFile.Hpke(File);
        for (var i = 0; i < entries.Length; i++)
        {
            rows.Add(i, entries[i].Text("suite"));
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Derive_key_pair_matches(int index, string name)
    {
        var (v, hpke) = Load(index, name);
        using var recipient = hpke.Kem.DeriveKeyPair(v.Bytes("ikmR"));
        Assert.Equal(v.Bytes("skRm"), recipient.PrivateKey);
        Assert.Equal(v.Bytes("pkRm"), recipient.PublicKey);
        using var ephemeral = hpke.Kem.DeriveKeyPair(v.Bytes("ikmE"));
        Assert.Equal(v.Bytes("skEm"), ephemeral.PrivateKey);
        Assert.Equal(v.Bytes("pkEm"), ephemeral.PublicKey);
        Assert.Equal(v.Bytes("pkRm"), hpke.Kem.GetPublicKey(v.Bytes("skRm")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encap_decap_and_key_schedule_match(int index, string name)
    {
        var (v, hpke) = Load(index, name);
        var shared = new byte[hpke.Kem.SharedSecretLength];
        var enc = hpke.Kem.EncapDeterministic(v.Bytes("pkRm"), v.Bytes("ikmE"), shared);
        Assert.Equal(v.Bytes("enc"), enc);
        Assert.Equal(v.Bytes("shared_secret"), shared);

        var decapped = new byte[hpke.Kem.SharedSecretLength];
        hpke.Kem.Decap(enc, v.Bytes("skRm"), decapped);
        Assert.Equal(v.Bytes("shared_secret"), decapped);

        var key = new byte[hpke.Aead.KeyLength];
        var nonce = new byte[hpke.Aead.NonceLength];
        var exporter = new byte[hpke.Kdf.HashLength];
        hpke.KeySchedule(shared, v.Bytes("info"), key, nonce, exporter);
        Assert.Equal(v.OptionalBytes("key") ?? [], key);
        Assert.Equal(v.OptionalBytes("base_nonce") ?? [], nonce);
        Assert.Equal(v.Bytes("exporter_secret"), exporter);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encryptions_match_at_every_listed_sequence_number(int index, string name)
    {
        var (v, hpke) = Load(index, name);
        if (hpke.Aead.Id == AeadId.ExportOnly)
        {
            using var exportOnly = hpke.SetupBaseSDeterministic(v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out _);
            var error = Assert.Throws<MlsException>(() => exportOnly.Seal([], [1]));
            Assert.Equal(MlsErrorCode.InvalidState, error.ErrorCode);
            return;
        }

        var expected = v.GetProperty("encryptions").EnumerateArray()
            .ToDictionary(e => e.UInt64("sequence_number"), e => (Pt: e.Bytes("pt"), Aad: e.Bytes("aad"), Ct: e.Bytes("ct")));
        var last = expected.Keys.Max();

        using var sender = hpke.SetupBaseSDeterministic(v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out var enc);
        using var receiver = hpke.SetupBaseR(enc, v.Bytes("skRm"), v.Bytes("info"));
        Assert.True(sender.IsSender);
        Assert.False(receiver.IsSender);
        for (var seq = 0UL; seq <= last; seq++)
        {
            Assert.Equal(seq, sender.SequenceNumber);
            var (pt, aad, ct) = expected.TryGetValue(seq, out var e) ? e : ([(byte)seq], [], null!);
            var sealedBytes = sender.Seal(aad, pt);
            if (ct is not null)
            {
                Assert.Equal(ct, sealedBytes);
            }

            Assert.Equal(pt, receiver.Open(aad, sealedBytes));
        }

        var wrongOrder = Assert.Throws<MlsException>(() => receiver.Open([], sender.Seal([], [1])[..^1]));
        Assert.Equal(MlsErrorCode.HpkeDecryptFailed, wrongOrder.ErrorCode);
        Assert.Throws<MlsException>(() => receiver.Seal([], [1]));
        Assert.Throws<MlsException>(() => sender.Open([], new byte[32]));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exports_match_on_both_sides(int index, string name)
    {
        var (v, hpke) = Load(index, name);
        using var sender = hpke.SetupBaseSDeterministic(v.Bytes("pkRm"), v.Bytes("info"), v.Bytes("ikmE"), out var enc);
        using var receiver = hpke.SetupBaseR(enc, v.Bytes("skRm"), v.Bytes("info"));
        foreach (var export in v.GetProperty("exports").EnumerateArray())
        {
            var context = export.Bytes("exporter_context");
            var length = export.Int32("L");
            Assert.Equal(export.Bytes("exported_value"), sender.Export(context, length));
            Assert.Equal(export.Bytes("exported_value"), receiver.Export(context, length));
            Assert.Equal(
                export.Bytes("exported_value"),
                hpke.ReceiveExport(enc, v.Bytes("skRm"), v.Bytes("info"), context, length));
        }
    }

    private static (JsonElement Vector, HpkeSuite Suite) Load(int index, string name)
    {
        var v = VectorFile.Hpke(File)[index];
        Assert.Equal(name, v.Text("suite"));
        Assert.Equal(0, v.Int32("mode"));
        try
        {
            return (v, HpkeSuite.Create((KemId)v.Int32("kem_id"), (KdfId)v.Int32("kdf_id"), (AeadId)v.Int32("aead_id")));
        }
        catch (MlsException e) when (e.ErrorCode == MlsErrorCode.UnsupportedCipherSuite)
        {
            Assert.Skip($"HPKE suite '{name}' is not supported here: {e.Message}");
            throw;
        }
    }
}
