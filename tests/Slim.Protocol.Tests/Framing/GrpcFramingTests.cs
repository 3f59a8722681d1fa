using System.Buffers;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Protocol.Tests.Framing;

public sealed class GrpcFramingTests
{
    private static Message Sample(int blobSize = 10) => WireMessage.CreatePublish(
        new SlimName("org", "ns", "a", 1),
        new SlimName("org", "ns", "b"),
        WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.Msg, 7, 9),
        new Content { AppPayload = new ApplicationPayload { PayloadType = "t", Blob = Google.Protobuf.ByteString.CopyFrom(new byte[blobSize]) } });

    [Fact]
    public void Frame_round_trips_and_consumes_exactly_one_frame()
    {
        var writer = new ArrayBufferWriter<byte>();
        var first = Sample();
        var written = GrpcFraming.WriteFrame(writer, first);
        GrpcFraming.WriteFrame(writer, Sample(3));
        Assert.Equal(GrpcFraming.PrefixSize + first.CalculateSize(), written);

        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.Equal(FrameStatus.Complete, GrpcFraming.TryReadFrame(ref buffer, 1024, out var payload));
        Assert.True(GrpcFraming.TryParseMessage(payload, out var decoded, out _));
        Assert.Equal(first, decoded);
        Assert.Equal(writer.WrittenCount - written, buffer.Length);
    }

    [Fact]
    public void Partial_frames_are_incomplete_at_every_split_point()
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(writer, Sample());
        for (var cut = 0; cut < writer.WrittenCount; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory[..cut]);
            Assert.Equal(FrameStatus.Incomplete, GrpcFraming.TryReadFrame(ref buffer, 1024, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Fact]
    public void Oversized_frame_is_rejected_from_its_prefix_alone()
    {
        byte[] prefixOnly = [0, 0, 0x40, 0, 1]; // declares 4 MiB + 1
        var buffer = new ReadOnlySequence<byte>(prefixOnly);
        Assert.Equal(FrameStatus.TooLarge, GrpcFraming.TryReadFrame(ref buffer, 4 * 1024 * 1024, out _));
    }

    [Theory]
    [InlineData(1, FrameStatus.CompressedNotSupported)]
    [InlineData(7, FrameStatus.InvalidFlag)]
    public void Bad_flag_is_reported(byte flag, FrameStatus expected)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { flag, 0, 0, 0, 0 });
        Assert.Equal(expected, GrpcFraming.TryReadFrame(ref buffer, 100, out _));
    }

    [Fact]
    public void Random_bytes_give_only_statuses_and_parse_failures()
    {
        var random = new Random(1234);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
            {
                bytes[0] = 0;
            }

            var buffer = new ReadOnlySequence<byte>(bytes);
            while (GrpcFraming.TryReadFrame(ref buffer, 32, out var payload) == FrameStatus.Complete)
            {
                _ = GrpcFraming.TryParseMessage(payload, out _, out _);
            }
        }
    }
}
