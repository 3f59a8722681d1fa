using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Framing;

/// <summary>
/// Random and mutated bytes into every framing decoder: the only permitted failure is <see cref="MlsDecodeException"/>.
/// The corpus is messages.json and message-protection.json; mutations flip, truncate, insert and splice bytes.
/// </summary>
public sealed class FramingDecoderFuzzTests
{
    private delegate void Decoder(ReadOnlySpan<byte> input);

    public static TheoryData<string> Decoders() =>
    [
        nameof(MlsMessage), nameof(PublicMessage), nameof(PrivateMessage), nameof(FramedContent),
        nameof(AuthenticatedContent), nameof(SenderData), nameof(Sender),
    ];

    [Theory]
    [MemberData(nameof(Decoders))]
    public void Mutated_and_random_inputs_only_raise_the_typed_decode_error(string name)
    {
        Decoder decode = name switch
        {
            nameof(MlsMessage) => input => MlsMessage.Decode(input),
            nameof(PublicMessage) => input => TlsCodec.Deserialize<PublicMessage>(input),
            nameof(PrivateMessage) => input => TlsCodec.Deserialize<PrivateMessage>(input),
            nameof(FramedContent) => input => TlsCodec.Deserialize<FramedContent>(input),
            nameof(AuthenticatedContent) => input => TlsCodec.Deserialize<AuthenticatedContent>(input),
            nameof(SenderData) => input => TlsCodec.Deserialize<SenderData>(input),
            _ => input => TlsCodec.Deserialize<Sender>(input),
        };

        var corpus = Corpus(name);
        var random = new Random(name.Length * 7919);
        var decodedSomething = false;
        for (var i = 0; i < 4000; i++)
        {
            var input = Mutate(random, corpus[random.Next(corpus.Count)], corpus);
            try
            {
                decode(input);
                decodedSomething = true;
            }
            catch (MlsDecodeException)
            {
                // The only permitted failure.
            }
        }

        Assert.True(decodedSomething || corpus.Count == 0, "the corpus never produced a decodable input, so the fuzzer tested nothing");
    }

    private static List<byte[]> Corpus(string name)
    {
        var messages = VectorFile.Mls("messages.json")
            .SelectMany(e => new[] { "public_message_application", "public_message_proposal", "public_message_commit", "private_message", "mls_welcome", "mls_group_info", "mls_key_package" }
                .Select(f => e.Bytes(f)))
            .Take(600)
            .ToList();
        return name switch
        {
            nameof(MlsMessage) => messages,
            nameof(PublicMessage) or nameof(FramedContent) => [.. messages.Where(m => m[3] == 1).Select(m => m[4..])],
            nameof(PrivateMessage) => [.. messages.Where(m => m[3] == 2).Select(m => m[4..])],
            nameof(AuthenticatedContent) => [.. VectorFile.Mls("transcript-hashes.json").Select(e => e.Bytes("authenticated_content"))],
            nameof(SenderData) => [new byte[12]],
            _ => [[1, 0, 0, 0, 5], [3]],
        };
    }

    private static byte[] Mutate(Random random, byte[] seed, List<byte[]> corpus)
    {
        switch (random.Next(6))
        {
            case 0:
                var bytes = new byte[random.Next(64)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                return seed[..random.Next(seed.Length + 1)];
            case 2:
                var flipped = (byte[])seed.Clone();
                for (var n = random.Next(1, 4); n > 0 && flipped.Length > 0; n--)
                {
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                }

                return flipped;
            case 3:
                var at = random.Next(seed.Length + 1);
                return [.. seed[..at], (byte)random.Next(256), .. seed[at..]];
            case 4:
                var other = corpus[random.Next(corpus.Count)];
                var cut = random.Next(seed.Length + 1);
                return [.. seed[..cut], .. other[random.Next(other.Length + 1)..]];
            default:
                return seed;
        }
    }
}
