using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>Message builders for tests.</summary>
internal static class Messages
{
    public static Message Publish(
        SlimName source,
        SlimName destination,
        uint fanout = SlimConstants.AnycastFanout,
        uint ttl = SlimConstants.DefaultTtl,
        string text = "hello",
        uint messageId = 1)
    {
        var message = WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.Msg, 7, messageId),
            new Content { AppPayload = new ApplicationPayload { PayloadType = "text/plain", Blob = ByteString.CopyFromUtf8(text) } },
            fanout,
            identity: "tok");
        message.GetSlimHeader()!.Ttl = ttl;
        return message;
    }

    public static string Text(Message message) => message.Publish.Msg.AppPayload.Blob.ToStringUtf8();
}
