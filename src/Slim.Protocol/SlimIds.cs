using System.Buffers;
using System.Text;
using Slim.Protocol.Hashing;

namespace Slim.Protocol;

/// <summary>Which of a group's two channel names an id is for.</summary>
public enum ChannelKind
{
    /// <summary>The data channel (group MSG traffic).</summary>
    Data,

    /// <summary>The control channel (GROUP_UPDATE, GROUP_CLOSE, HEARTBEAT, UPDATE_PARTICIPANT_STATE).</summary>
    Control,
}

/// <summary>
/// Derivation and generation of SLIM ids: app instance ids, group channel ids, session and message ids.
/// </summary>
/// <remarks>
/// Peers never recompute these ids (they read them from the wire), so the derivations matter for producing the
/// same ids as official SLIM for the same inputs, not for interoperability.
/// </remarks>
public static class SlimIds
{
    private static readonly UInt128 AppIdModulus = UInt128.MaxValue - 50;
    private static readonly UInt128 ChannelIdModulus = UInt128.MaxValue - 51;

    /// <summary>
    /// The app instance id official SLIM derives from an identity provider's id string (shared secret:
    /// <c>"&lt;id&gt;_&lt;8 random alphanumerics&gt;"</c>; JWT: <c>sub</c>; SPIRE: the SPIFFE ID):
    /// XXH3-128 (seed 0) of its UTF-8 bytes, with no suffix byte; a reserved result is reduced
    /// <c>% (u128::MAX − 50)</c>.
    /// </summary>
    public static UInt128 AppIdFromIdentity(string identityId)
    {
        ArgumentNullException.ThrowIfNull(identityId);
        var id = HashUtf8(identityId, 0);
        return SlimName.IsReservedId(id) ? id % AppIdModulus : id;
    }

    /// <summary>
    /// The channel id official SLIM derives for one of a group's channels:
    /// XXH3-128 of <c>"&lt;tokenId&gt;/&lt;org&gt;/&lt;namespace&gt;/&lt;service&gt;/data"</c> (or <c>/control</c>),
    /// a reserved result adjusted to <c>(x mod (u128::MAX − 51)) + 1</c>.
    /// </summary>
    /// <param name="tokenId">The moderator's identity id (the token's id part).</param>
    /// <param name="group">The group name the app passed; its strings are used, its id is ignored.</param>
    /// <param name="kind">Data or control channel.</param>
    /// <param name="seed">XXH3 seed; 0 except when resolving a data/control collision.</param>
    /// <exception cref="ArgumentException">The group name has no component strings.</exception>
    public static UInt128 ChannelId(string tokenId, SlimName group, ChannelKind kind, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        if (!group.HasComponentStrings)
        {
            throw new ArgumentException("The group name must carry its component strings.", nameof(group));
        }

        var suffix = kind == ChannelKind.Data ? "data" : "control";
        var text = $"{tokenId}/{group.Organization}/{group.Namespace}/{group.Service}/{suffix}";
        var id = HashUtf8(text, seed);
        return SlimName.IsReservedId(id) ? (id % ChannelIdModulus) + 1 : id;
    }

    /// <summary>
    /// Both channel ids of a group. If they collide (astronomically unlikely), the control id is re-derived with
    /// seeds 1, 2, ... until they differ, so the two channels are always distinct.
    /// </summary>
    public static (UInt128 Data, UInt128 Control) ChannelIds(string tokenId, SlimName group)
    {
        var data = ChannelId(tokenId, group, ChannelKind.Data);
        var control = ChannelId(tokenId, group, ChannelKind.Control);
        for (ulong seed = 1; control == data; seed++)
        {
            control = ChannelId(tokenId, group, ChannelKind.Control, seed);
        }

        return (data, control);
    }

    /// <summary>A random session id in [0, <see cref="SlimConstants.SessionIdLimit"/>).</summary>
    public static uint NewSessionId() => (uint)Random.Shared.NextInt64(0, SlimConstants.SessionIdLimit);

    /// <summary>True when a participant accepts <paramref name="sessionId"/> (it is below <see cref="SlimConstants.SessionIdLimit"/>).</summary>
    public static bool IsValidSessionId(uint sessionId) => sessionId < SlimConstants.SessionIdLimit;

    /// <summary>A random non-zero message id for a control request (id 0 is rejected by replay checks).</summary>
    public static uint NewControlMessageId() => (uint)Random.Shared.NextInt64(1, (long)uint.MaxValue + 1);

    /// <summary>A random message id for a group reply to one member, in [2^31, 2^32 − 1).</summary>
    public static uint NewPublishToMessageId() =>
        (uint)Random.Shared.NextInt64(SlimConstants.PublishToIdMin, SlimConstants.PublishToIdLimit);

    /// <summary>A random non-zero start value for a connection's subscription ids (then +1 per request).</summary>
    public static ulong NewSubscriptionIdBase()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            Random.Shared.NextBytes(bytes);
            value = BitConverter.ToUInt64(bytes);
        }
        while (value == 0);

        return value;
    }

    /// <summary>A random app instance id that is not reserved (for apps that do not derive one from an identity).</summary>
    public static UInt128 NewAppId()
    {
        Span<byte> bytes = stackalloc byte[16];
        UInt128 id;
        do
        {
            Random.Shared.NextBytes(bytes);
            id = new UInt128(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));
        }
        while (SlimName.IsReservedId(id));

        return id;
    }

    private static UInt128 HashUtf8(string text, ulong seed)
    {
        const int StackLimit = 512;
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(text, buffer);
            return XxHash3.Hash128(buffer[..written], seed);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, rented);
            return XxHash3.Hash128(rented.AsSpan(0, written), seed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
