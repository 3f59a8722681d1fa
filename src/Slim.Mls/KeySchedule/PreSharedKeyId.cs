using Slim.Mls.Codec;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// Identifies one pre-shared key (RFC 9420 section 8.4):
/// <code>
/// struct {
///   PSKType psktype;                         // uint8
///   select (PreSharedKeyID.psktype) {
///     case external:   opaque psk_id&lt;V&gt;;
///     case resumption: ResumptionPSKUsage usage;   // uint8
///                      opaque psk_group_id&lt;V&gt;;
///                      uint64 psk_epoch;
///   };
///   opaque psk_nonce&lt;V&gt;;
/// } PreSharedKeyID;
/// </code>
/// </summary>
public sealed class PreSharedKeyId : ITlsEncodable, ITlsDecodable<PreSharedKeyId>
{
    private PreSharedKeyId(PskType type, byte[] pskId, ResumptionPskUsage usage, byte[] groupId, ulong epoch, byte[] nonce)
    {
        Type = type;
        PskId = pskId;
        Usage = usage;
        PskGroupId = groupId;
        PskEpoch = epoch;
        Nonce = nonce;
    }

    /// <summary>External or resumption.</summary>
    public PskType Type { get; }

    /// <summary>The application's identifier of an external PSK (empty for resumption).</summary>
    public byte[] PskId { get; }

    /// <summary>The usage of a resumption PSK.</summary>
    public ResumptionPskUsage Usage { get; }

    /// <summary>The group of a resumption PSK (empty for external).</summary>
    public byte[] PskGroupId { get; }

    /// <summary>The epoch of a resumption PSK.</summary>
    public ulong PskEpoch { get; }

    /// <summary><c>psk_nonce</c>: fresh random <c>Nh</c> bytes each time the PSK is injected.</summary>
    public byte[] Nonce { get; }

    /// <summary>Identifies an external PSK.</summary>
    public static PreSharedKeyId External(byte[] pskId, byte[] nonce)
    {
        ArgumentNullException.ThrowIfNull(pskId);
        ArgumentNullException.ThrowIfNull(nonce);
        return new PreSharedKeyId(PskType.External, pskId, ResumptionPskUsage.Reserved, [], 0, nonce);
    }

    /// <summary>Identifies the resumption PSK of <paramref name="groupId"/> at <paramref name="epoch"/>.</summary>
    public static PreSharedKeyId Resumption(ResumptionPskUsage usage, byte[] groupId, ulong epoch, byte[] nonce)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(nonce);
        return new PreSharedKeyId(PskType.Resumption, [], usage, groupId, epoch, nonce);
    }

    /// <inheritdoc />
    public static PreSharedKeyId ReadFrom(ref TlsReader reader)
    {
        var type = (PskType)reader.ReadUInt8();
        switch (type)
        {
            case PskType.External:
                var pskId = reader.ReadVectorBytes();
                return new PreSharedKeyId(type, pskId, ResumptionPskUsage.Reserved, [], 0, reader.ReadVectorBytes());
            case PskType.Resumption:
                var usage = (ResumptionPskUsage)reader.ReadUInt8();
                var groupId = reader.ReadVectorBytes();
                var epoch = reader.ReadUInt64();
                return new PreSharedKeyId(type, [], usage, groupId, epoch, reader.ReadVectorBytes());
            default:
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Unknown PSK type {(byte)type}", -1);
        }
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt8((byte)Type);
        if (Type == PskType.External)
        {
            writer.WriteVector(PskId);
        }
        else
        {
            writer.WriteUInt8((byte)Usage);
            writer.WriteVector(PskGroupId);
            writer.WriteUInt64(PskEpoch);
        }

        writer.WriteVector(Nonce);
    }
}
