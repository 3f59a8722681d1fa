using Google.Protobuf;
using Slim.Identity;
using Slim.Identity.Signatures;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Tests.Fakes;

/// <summary>Builds session messages by hand, signed like official SLIM does, to feed layers directly.</summary>
internal static class Craft
{
    public static Message Command(
        IIdentityProvider? signer,
        SlimName source,
        SlimName destination,
        SessionType sessionType,
        SessionMessageType type,
        uint sessionId,
        uint messageId,
        CommandPayload payload,
        uint fanout = 1)
    {
        var message = WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(sessionType, type, sessionId, messageId),
            new Content { CommandPayload = payload },
            fanout);
        if (signer is not null)
        {
            HeaderSignature.SignWithFreshToken(signer, message.Publish);
        }

        return message;
    }

    public static Message Data(
        SlimName source, SlimName destination, SessionType sessionType, SessionMessageType type, uint sessionId, uint messageId, byte[] blob, uint fanout = 1) =>
        WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(sessionType, type, sessionId, messageId),
            new Content { AppPayload = new ApplicationPayload { PayloadType = "text/plain", Blob = ByteString.CopyFrom(blob) } },
            fanout,
            "token-not-checked-on-data");

    public static CommandPayload DiscoveryRequest() => new() { DiscoveryRequest = new DiscoveryRequestPayload() };

    public static CommandPayload JoinRequest(TimerSettings? timers, SlimName? channel = null, SlimName? control = null, MlsSettings? mls = null) =>
        new()
        {
            JoinRequest = new JoinRequestPayload
            {
                TimerSettings = timers,
                Channel = channel?.ToWire(),
                Control = control?.ToWire(),
                MlsSettings = mls,
            },
        };

    public static CommandPayload Welcome(params SlimName[] participants) =>
        new()
        {
            GroupWelcome = new GroupWelcomePayload
            {
                Participants =
                {
                    participants.Select(p => new Participant
                    {
                        Name = p.ToWire(),
                        Settings = new ParticipantSettings { SendsData = true, ReceivesData = true },
                    }),
                },
            },
        };
}
