using Slim.Mls.Codec;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.KeySchedule;

/// <summary>psk_secret.json (RFC 9420 section 8.4): 77 cases, 0 to 10 external PSKs for each of the 7 suites.</summary>
public sealed class PskSecretTests
{
    private const string File = "psk_secret.json";

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Psk_secret_matches(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index];
        var psks = v.GetProperty("psks").EnumerateArray()
            .Select(p => (PreSharedKeyId.External(p.Bytes("psk_id"), p.Bytes("psk_nonce")), p.Bytes("psk")))
            .ToList();
        Assert.Equal(v.Bytes("psk_secret"), PskSecret.Compute(suite, psks));
    }

    [Fact]
    public void Pre_shared_key_ids_round_trip_and_unknown_types_are_rejected()
    {
        var resumption = PreSharedKeyId.Resumption(ResumptionPskUsage.Branch, [7, 7], 99, new byte[32]);
        var decoded = TlsCodec.Deserialize<PreSharedKeyId>(TlsCodec.Serialize(resumption));
        Assert.Equal(PskType.Resumption, decoded.Type);
        Assert.Equal(ResumptionPskUsage.Branch, decoded.Usage);
        Assert.Equal(99UL, decoded.PskEpoch);
        Assert.Equal(TlsCodec.Serialize(resumption), TlsCodec.Serialize(decoded));

        var error = Assert.Throws<MlsDecodeException>(() => TlsCodec.Deserialize<PreSharedKeyId>([3, 0, 0]));
        Assert.Equal(MlsErrorCode.DecodeInvalidValue, error.ErrorCode);

        var random = new Random(11);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(60)];
            random.NextBytes(bytes);
            if (bytes.Length > 0)
            {
                bytes[0] = (byte)random.Next(4);
            }

            try
            {
                TlsCodec.Deserialize<PreSharedKeyId>(bytes);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }
}
