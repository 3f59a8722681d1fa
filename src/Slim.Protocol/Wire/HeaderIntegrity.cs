using System.Buffers;
using Google.Protobuf;

namespace Slim.Protocol.Wire;

/// <summary>
/// The header-integrity AAD: the bytes official SLIM signs for <c>e2e_header_sig</c> (command messages) and
/// passes as MLS authenticated data (encrypted MSG / RTX_REPLY payloads).
/// </summary>
/// <remarks>
/// <para>
/// The AAD is the protobuf encoding of <see cref="HeaderIntegrityAad"/>
/// <c>{ version = 1, source, destination, identity, session_type, session_message_type, session_id,
/// message_id, payload_type }</c>: fields in number order, proto3 defaults omitted, exactly as prost and
/// Google.Protobuf both encode it. <c>payload_type</c> is the application payload's type, <c>""</c> for
/// commands.
/// </para>
/// <para>
/// Source and destination must be the wire <see cref="Name"/> objects of the message as sent or received: the
/// presence of <c>name_id</c> and <c>str_name</c> changes the bytes. (Unknown fields inside those names would
/// be encoded too; prost drops them. Official peers never send any.)
/// </para>
/// </remarks>
public static class HeaderIntegrity
{
    /// <summary>The AAD of a Publish, from its header, session header and payload type.</summary>
    /// <exception cref="SlimProtocolException">The publish has no header or no session header.</exception>
    public static byte[] ComputeAad(Publish publish) => CreateAad(publish).ToByteArray();

    /// <summary>The AAD from its parts.</summary>
    public static byte[] ComputeAad(SLIMHeader header, SessionHeader session, string payloadType) =>
        CreateAad(header, session, payloadType).ToByteArray();

    /// <summary>Writes the AAD of a Publish to <paramref name="output"/> and returns its length.</summary>
    /// <exception cref="SlimProtocolException">The publish has no header or no session header.</exception>
    public static int WriteAad(Publish publish, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var aad = CreateAad(publish);
        var size = aad.CalculateSize();
        aad.WriteTo(output.GetSpan(size)[..size]);
        output.Advance(size);
        return size;
    }

    /// <summary>The AAD message (never sent) of a Publish.</summary>
    /// <exception cref="SlimProtocolException">The publish has no header or no session header.</exception>
    public static HeaderIntegrityAad CreateAad(Publish publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        if (publish.Header is null || publish.Session is null)
        {
            throw new SlimProtocolException(
                SlimErrorCode.MissingField, "A publish needs a header and a session header to compute its AAD.");
        }

        return CreateAad(publish.Header, publish.Session, publish.GetPayloadType());
    }

    /// <summary>The AAD message (never sent) from its parts.</summary>
    public static HeaderIntegrityAad CreateAad(SLIMHeader header, SessionHeader session, string payloadType)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(payloadType);

        // Assigning the header's Name objects shares them (no copy): the encoding is of exactly those objects.
        return new HeaderIntegrityAad
        {
            Version = SlimConstants.HeaderIntegrityAadVersion,
            Source = header.Source,
            Destination = header.Destination,
            Identity = header.Identity,
            SessionType = session.SessionType,
            SessionMessageType = session.SessionMessageType,
            SessionId = session.SessionId,
            MessageId = session.MessageId,
            PayloadType = payloadType,
        };
    }
}
