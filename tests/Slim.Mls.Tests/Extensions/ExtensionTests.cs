using Slim.Mls.Codec;
using Slim.Mls.Extensions;

namespace Slim.Mls.Tests.Extensions;

public sealed class ExtensionTests
{
    [Fact]
    public void Unknown_and_grease_extension_types_round_trip_untouched()
    {
        Extension[] extensions = [new((ExtensionType)0x0A0A, [1, 2]), new(ExtensionType.RequiredCapabilities, []), new((ExtensionType)0xF000, new byte[300])];
        var writer = new TlsWriter();
        try
        {
            TlsCodec.WriteList(ref writer, extensions);
            var reader = new TlsReader(writer.WrittenSpan);
            var decoded = TlsCodec.ReadList<Extension>(ref reader);
            reader.EnsureEnd();
            Assert.Equal(extensions, decoded);
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Fact]
    public void Random_bytes_only_raise_the_typed_decode_error()
    {
        var random = new Random(13);
        var decoded = 0;
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(24)];
            random.NextBytes(bytes);
            try
            {
                TlsCodec.Deserialize<Extension>(bytes);
                decoded++;
            }
            catch (MlsDecodeException)
            {
            }
        }

        Assert.True(decoded > 0);
    }
}
