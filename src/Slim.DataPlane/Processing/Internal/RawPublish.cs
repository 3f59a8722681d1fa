using System.Buffers.Binary;
using System.Text.Unicode;

namespace Slim.DataPlane.Processing.Internal;

/// <summary>A byte range inside the message being read.</summary>
internal readonly record struct ByteRange(int Start, int Length)
{
    public int End => Start + Length;

    public static ByteRange Empty => default;

    public bool IsPresent => Length > 0;
}

/// <summary>The parts of a wire <c>Name</c> the router and the header MAC need, as ranges and values.</summary>
internal struct RawName
{
    public bool HasEncoded;
    public ulong C0;
    public ulong C1;
    public ulong C2;
    public bool HasId;
    public ulong Id0;
    public ulong Id1;
    public bool HasStrings;
    public ByteRange S0;
    public ByteRange S1;
    public ByteRange S2;

    public readonly UInt128 Id => HasId ? new UInt128(Id0, Id1) : UInt128.MaxValue;
}

/// <summary>
/// A zero-copy reader for the one message shape a node forwards most: a <c>Publish</c> from a remote link. It finds
/// the header fields the router and the MAC need and the byte ranges of everything else, so the message can be
/// forwarded by copying bytes and re-encoding only the few header fields that change per hop.
/// </summary>
/// <remarks>
/// <code>
/// Message       { 3 publish: Publish, 4 metadata*: entry, ... }            (one oneof field only: publish)
/// Publish       { 1 header: SLIMHeader, 2 session, 3 msg, unknown* }
/// SLIMHeader    { 1 source: Name, 2 destination: Name, 3 identity, 4 fanout, 5 version, 6 ttl,
///                 7 recv_from, 8 forward_to, 9 incoming_conn, 10 error, 11 header_mac, 12 e2e_header_sig, unknown* }
/// Name          { 1 name: EncodedName { 1,2,3 component_0..2, 4 name_id: NameId { 1 id_0, 2 id_1 } },
///                 2 str_name: StringName { 1,2,3 str_component_0..2 } }
/// </code>
/// <see cref="TryRead"/> accepts only what it can forward exactly: every known field at most once, with its
/// declared wire type, strings in valid UTF-8, few unknown fields. Anything else (and every other message kind)
/// returns false and takes the general path, which parses with Google.Protobuf; the two paths produce the same
/// bytes for the messages both accept.
/// </remarks>
internal ref struct RawPublish
{
    /// <summary>Unknown header fields kept (beyond this, the general path handles the message).</summary>
    public const int MaxUnknownHeaderFields = 4;

    private const int Varint = 0;
    private const int Fixed64 = 1;
    private const int Len = 2;
    private const int Fixed32 = 5;

    // Top level.
    public ByteRange PublishField;     // the whole field 3 (tag, length, content)
    public ByteRange PublishContent;

    // Publish.
    public ByteRange HeaderField;
    public ByteRange HeaderContent;
    public bool HasSession;

    // Header fields (whole fields, tag included) and values.
    public ByteRange SourceField;
    public ByteRange DestinationField;
    public ByteRange IdentityField;
    public ByteRange IdentityValue;
    public ByteRange FanoutField;
    public ByteRange VersionField;
    public ByteRange ErrorField;
    public ByteRange MacValue;
    public ByteRange SignatureField;
    public RawName Source;
    public RawName Destination;
    public uint Fanout;
    public uint Ttl;
    public bool HasRecvFrom;
    public ulong RecvFrom;
    public bool HasForwardTo;
    public ulong ForwardTo;
    public bool HasError;
    public bool Error;
    public bool HasMac;
    public int UnknownHeaderFieldCount;
    public ByteRange Unknown0;
    public ByteRange Unknown1;
    public ByteRange Unknown2;
    public ByteRange Unknown3;

    /// <summary>Reads a message that is a Publish; false when it is anything else or not in the accepted shape.</summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out RawPublish publish)
    {
        publish = default;
        var position = 0;
        var publishSeen = false;
        while (position < message.Length)
        {
            var fieldStart = position;
            if (!TryReadTag(message, ref position, out var field, out var wireType))
            {
                return false;
            }

            switch (field)
            {
                case 1 or 2 or 5 or 6:
                    // Another oneof case: not a publish (or an ambiguous message).
                    return false;
                case 3:
                    if (publishSeen || wireType != Len || !TryReadLength(message, ref position, out var content))
                    {
                        return false;
                    }

                    publishSeen = true;
                    publish.PublishContent = content;
                    publish.PublishField = new ByteRange(fieldStart, content.End - fieldStart);
                    position = content.End;
                    break;
                default:
                    // Metadata entries and unknown fields are forwarded as they are.
                    if (!TrySkip(message, ref position, wireType))
                    {
                        return false;
                    }

                    break;
            }
        }

        return publishSeen && ReadPublish(message, ref publish);
    }

    /// <summary>
    /// Length of the header-MAC preimage after its link prefix (names, identity, fanout, flags, ttl), either as
    /// received (<paramref name="received"/>: recv_from / forward_to as they came) or as this hop sends it (cleared).
    /// </summary>
    public readonly int MacBodyLength(bool received) =>
        NameLength(Source) + NameLength(Destination)
        + 4 + IdentityValue.Length
        + 4
        + (received && HasRecvFrom ? 9 : 1)
        + (received && HasForwardTo ? 9 : 1)
        + (HasError ? 2 : 1)
        + 4;

    /// <summary>Writes the preimage body (see <see cref="MacBodyLength"/>) with <paramref name="ttl"/>; returns its length.</summary>
    public readonly int WriteMacBody(ReadOnlySpan<byte> message, Span<byte> destination, bool received, uint ttl)
    {
        var offset = WriteName(message, destination, Source);
        offset += WriteName(message, destination[offset..], Destination);
        offset += WriteBytes(message, destination[offset..], IdentityValue);
        WriteU32(destination[offset..], Fanout);
        offset += 4;
        offset += WriteOptional(destination[offset..], received && HasRecvFrom, RecvFrom);
        offset += WriteOptional(destination[offset..], received && HasForwardTo, ForwardTo);
        if (HasError)
        {
            destination[offset++] = 1;
            destination[offset++] = Error ? (byte)1 : (byte)0;
        }
        else
        {
            destination[offset++] = 0;
        }

        WriteU32(destination[offset..], ttl);
        return offset + 4;
    }

    private static int NameLength(in RawName name) =>
        1
        + (name.HasEncoded ? 1 + 24 + (name.HasId ? 17 : 1) : 1)
        + (name.HasStrings ? 1 + 12 + name.S0.Length + name.S1.Length + name.S2.Length : 1);

    private static int WriteName(ReadOnlySpan<byte> message, Span<byte> destination, in RawName name)
    {
        destination[0] = 1;
        var offset = 1;
        if (name.HasEncoded)
        {
            destination[offset++] = 1;
            BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], name.C0);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 8)..], name.C1);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 16)..], name.C2);
            offset += 24;
            if (name.HasId)
            {
                destination[offset++] = 1;
                BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], name.Id0);
                BinaryPrimitives.WriteUInt64LittleEndian(destination[(offset + 8)..], name.Id1);
                offset += 16;
            }
            else
            {
                destination[offset++] = 0;
            }
        }
        else
        {
            destination[offset++] = 0;
        }

        if (name.HasStrings)
        {
            destination[offset++] = 1;
            offset += WriteBytes(message, destination[offset..], name.S0);
            offset += WriteBytes(message, destination[offset..], name.S1);
            offset += WriteBytes(message, destination[offset..], name.S2);
        }
        else
        {
            destination[offset++] = 0;
        }

        return offset;
    }

    private static int WriteBytes(ReadOnlySpan<byte> message, Span<byte> destination, ByteRange value)
    {
        WriteU32(destination, (uint)value.Length);
        message.Slice(value.Start, value.Length).CopyTo(destination[4..]);
        return 4 + value.Length;
    }

    private static int WriteOptional(Span<byte> destination, bool present, ulong value)
    {
        if (!present)
        {
            destination[0] = 0;
            return 1;
        }

        destination[0] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[1..], value);
        return 9;
    }

    /// <summary>The destination as a lookup key (hashes and id, no strings).</summary>
    public readonly Slim.Protocol.SlimName DestinationKey =>
        Slim.Protocol.SlimName.FromHashes(Destination.C0, Destination.C1, Destination.C2, Destination.Id);

    private static bool ReadPublish(ReadOnlySpan<byte> message, ref RawPublish publish)
    {
        var position = publish.PublishContent.Start;
        var end = publish.PublishContent.End;
        var headerSeen = false;
        var messageSeen = false;
        while (position < end)
        {
            var fieldStart = position;
            if (!TryReadTag(message, ref position, out var field, out var wireType) || wireType == 3 || wireType == 4)
            {
                return false;
            }

            if (field is 1 or 2 or 3)
            {
                if (wireType != Len || !TryReadLength(message[..end], ref position, out var content))
                {
                    return false;
                }

                switch (field)
                {
                    case 1:
                        if (headerSeen)
                        {
                            return false;
                        }

                        headerSeen = true;
                        publish.HeaderContent = content;
                        publish.HeaderField = new ByteRange(fieldStart, content.End - fieldStart);
                        break;
                    case 2:
                        if (publish.HasSession)
                        {
                            return false;
                        }

                        publish.HasSession = true;
                        break;
                    default:
                        if (messageSeen)
                        {
                            return false;
                        }

                        messageSeen = true;
                        break;
                }

                position = content.End;
            }
            else if (!TrySkip(message[..end], ref position, wireType))
            {
                return false;
            }
        }

        return headerSeen && ReadHeader(message, ref publish);
    }

    private static bool ReadHeader(ReadOnlySpan<byte> message, ref RawPublish h)
    {
        var position = h.HeaderContent.Start;
        var end = h.HeaderContent.End;
        var span = message[..end];
        var seen = 0;
        while (position < end)
        {
            var fieldStart = position;
            if (!TryReadTag(span, ref position, out var field, out var wireType) || wireType == 3 || wireType == 4)
            {
                return false;
            }

            if (field is >= 1 and <= 12)
            {
                var bit = 1 << field;
                if ((seen & bit) != 0)
                {
                    return false;
                }

                seen |= bit;
            }

            var expected = field switch
            {
                1 or 2 or 3 or 5 or 11 or 12 => Len,
                4 or 6 or 7 or 8 or 9 or 10 => Varint,
                _ => -1,
            };
            if (expected >= 0 && expected != wireType)
            {
                return false;
            }

            ulong value = 0;
            ByteRange content = default;
            if (expected == Varint && !TryReadVarint(span, ref position, out value))
            {
                return false;
            }

            if (expected == Len)
            {
                if (!TryReadLength(span, ref position, out content))
                {
                    return false;
                }

                position = content.End;
            }

            var whole = new ByteRange(fieldStart, position - fieldStart);
            switch (field)
            {
                case 1:
                    h.SourceField = whole;
                    if (!TryReadName(message, content, out h.Source))
                    {
                        return false;
                    }

                    break;
                case 2:
                    h.DestinationField = whole;
                    if (!TryReadName(message, content, out h.Destination))
                    {
                        return false;
                    }

                    break;
                case 3:
                    h.IdentityField = whole;
                    h.IdentityValue = content;
                    if (!Utf8.IsValid(message.Slice(content.Start, content.Length)))
                    {
                        return false;
                    }

                    break;
                case 4:
                    h.FanoutField = whole;
                    h.Fanout = (uint)value;
                    break;
                case 5:
                    h.VersionField = whole;
                    if (!Utf8.IsValid(message.Slice(content.Start, content.Length)))
                    {
                        return false;
                    }

                    break;
                case 6:
                    h.Ttl = (uint)value;
                    break;
                case 7:
                    h.HasRecvFrom = true;
                    h.RecvFrom = value;
                    break;
                case 8:
                    h.HasForwardTo = true;
                    h.ForwardTo = value;
                    break;
                case 9:
                    break;
                case 10:
                    h.ErrorField = whole;
                    h.HasError = true;
                    h.Error = value != 0;
                    break;
                case 11:
                    h.HasMac = true;
                    h.MacValue = content;
                    break;
                case 12:
                    h.SignatureField = whole;
                    break;
                default:
                    if (!TrySkip(span, ref position, wireType) || h.UnknownHeaderFieldCount == MaxUnknownHeaderFields)
                    {
                        return false;
                    }

                    var unknown = new ByteRange(fieldStart, position - fieldStart);
                    switch (h.UnknownHeaderFieldCount++)
                    {
                        case 0: h.Unknown0 = unknown; break;
                        case 1: h.Unknown1 = unknown; break;
                        case 2: h.Unknown2 = unknown; break;
                        default: h.Unknown3 = unknown; break;
                    }

                    break;
            }
        }

        // What every receiver requires: both names with their EncodedName.
        return h.Source.HasEncoded && h.Destination.HasEncoded;
    }

    private static bool TryReadName(ReadOnlySpan<byte> message, ByteRange content, out RawName name)
    {
        name = default;
        var span = message[..content.End];
        var position = content.Start;
        var seen = 0;
        while (position < content.End)
        {
            if (!TryReadTag(span, ref position, out var field, out var wireType))
            {
                return false;
            }

            if (field is not (1 or 2) || wireType != Len || (seen & (1 << field)) != 0 || !TryReadLength(span, ref position, out var inner))
            {
                return false;
            }

            seen |= 1 << field;
            position = inner.End;
            if (field == 1 ? !TryReadEncoded(span, inner, ref name) : !TryReadStrings(span, inner, ref name))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadEncoded(ReadOnlySpan<byte> span, ByteRange content, ref RawName name)
    {
        name.HasEncoded = true;
        var position = content.Start;
        var seen = 0;
        while (position < content.End)
        {
            if (!TryReadTag(span, ref position, out var field, out var wireType) || field is < 1 or > 4 || (seen & (1 << field)) != 0)
            {
                return false;
            }

            seen |= 1 << field;
            if (field == 4)
            {
                if (wireType != Len || !TryReadLength(span, ref position, out var id))
                {
                    return false;
                }

                position = id.End;
                name.HasId = true;
                if (!TryReadNameId(span, id, ref name))
                {
                    return false;
                }

                continue;
            }

            if (wireType != Varint || !TryReadVarint(span, ref position, out var value))
            {
                return false;
            }

            switch (field)
            {
                case 1: name.C0 = value; break;
                case 2: name.C1 = value; break;
                default: name.C2 = value; break;
            }
        }

        return true;
    }

    private static bool TryReadNameId(ReadOnlySpan<byte> span, ByteRange content, ref RawName name)
    {
        var position = content.Start;
        var seen = 0;
        while (position < content.End)
        {
            if (!TryReadTag(span, ref position, out var field, out var wireType)
                || field is < 1 or > 2 || wireType != Varint || (seen & (1 << field)) != 0
                || !TryReadVarint(span, ref position, out var value))
            {
                return false;
            }

            seen |= 1 << field;
            if (field == 1)
            {
                name.Id0 = value;
            }
            else
            {
                name.Id1 = value;
            }
        }

        return true;
    }

    private static bool TryReadStrings(ReadOnlySpan<byte> span, ByteRange content, ref RawName name)
    {
        name.HasStrings = true;
        var position = content.Start;
        var seen = 0;
        while (position < content.End)
        {
            if (!TryReadTag(span, ref position, out var field, out var wireType)
                || field is < 1 or > 3 || wireType != Len || (seen & (1 << field)) != 0
                || !TryReadLength(span, ref position, out var text))
            {
                return false;
            }

            seen |= 1 << field;
            position = text.End;
            if (!Utf8.IsValid(span.Slice(text.Start, text.Length)))
            {
                return false;
            }

            switch (field)
            {
                case 1: name.S0 = text; break;
                case 2: name.S1 = text; break;
                default: name.S2 = text; break;
            }
        }

        return true;
    }

    // ---- protobuf primitives -------------------------------------------------------------------------------------

    private static bool TryReadTag(ReadOnlySpan<byte> span, ref int position, out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (!TryReadVarint(span, ref position, out var tag) || tag > int.MaxValue)
        {
            return false;
        }

        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return field > 0;
    }

    internal static bool TryReadVarint(ReadOnlySpan<byte> span, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= span.Length)
            {
                return false;
            }

            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadLength(ReadOnlySpan<byte> span, ref int position, out ByteRange content)
    {
        content = default;
        if (!TryReadVarint(span, ref position, out var length) || length > (ulong)(span.Length - position))
        {
            return false;
        }

        content = new ByteRange(position, (int)length);
        return true;
    }

    private static bool TrySkip(ReadOnlySpan<byte> span, ref int position, int wireType)
    {
        switch (wireType)
        {
            case Varint:
                return TryReadVarint(span, ref position, out _);
            case Fixed64:
                position += 8;
                return position <= span.Length;
            case Len:
                if (!TryReadLength(span, ref position, out var content))
                {
                    return false;
                }

                position = content.End;
                return true;
            case Fixed32:
                position += 4;
                return position <= span.Length;
            default:
                return false;
        }
    }

    /// <summary>Size of <paramref name="value"/> as a varint.</summary>
    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes <paramref name="value"/> as a varint and returns the bytes written.</summary>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Writes a u32 little-endian (for the MAC preimage).</summary>
    public static void WriteU32(Span<byte> destination, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
}
