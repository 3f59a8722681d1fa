using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Benchmarks.DataPlane;

/// <summary>Realistic messages: names with strings and ids, a ~200-character identity token, a 1 KiB payload.</summary>
internal static class Samples
{
    public static readonly SlimName Alice = new("org", "ns", "alice", SlimIds.NewAppId());
    public static readonly SlimName Bob = new("org", "ns", "bob", SlimIds.NewAppId());
    public static readonly SlimName Chat = new("org", "ns", "chat", SlimIds.NewAppId());

    public static readonly string Token =
        "org/ns/alice_AbCdEf12:1795339190:xfuNmey9ivcGdBgb:" + new string('e', 110) + ":kkBZGIr4kkBZGIr4kkBZGIr4kkBZGIr4kkBZGIr4abc";

    public static Message Publish(SlimName destination, uint fanout = SlimConstants.AnycastFanout, int payloadSize = 1024)
    {
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);
        return WireMessage.CreatePublish(
            Alice,
            destination,
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.Msg, 12345, 1),
            new Content { AppPayload = new ApplicationPayload { PayloadType = "msg", Blob = ByteString.CopyFrom(payload) } },
            fanout,
            Token);
    }
}
