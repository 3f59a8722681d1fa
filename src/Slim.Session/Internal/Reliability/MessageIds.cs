using Slim.Protocol;

namespace Slim.Session.Internal.Reliability;

/// <summary>
/// Arithmetic on data message ids. A sender numbers its messages 1, 2, 3, ... and wraps to 0 after
/// <see cref="SlimConstants.MaxPublishId"/> (2^31 − 1), so ids live in a ring of 2^31 values. A receiver treats an id
/// as ahead of its next expected one when it is less than half the ring away, and as old otherwise.
/// </summary>
internal static class MessageIds
{
    /// <summary>Size of the id ring.</summary>
    public const uint RingSize = SlimConstants.MaxPublishId + 1;

    /// <summary>Ids less than this far ahead are "ahead"; others are "behind" (already seen or too old).</summary>
    public const uint HalfRing = RingSize / 2;

    /// <summary>The id after <paramref name="id"/>.</summary>
    public static uint Next(uint id) => id >= SlimConstants.MaxPublishId ? 0 : id + 1;

    /// <summary>How far <paramref name="to"/> is ahead of <paramref name="from"/> on the ring.</summary>
    public static uint Distance(uint from, uint to) => (to - from) & SlimConstants.MaxPublishId;

    /// <summary>True for ids a sender can give a sequenced (non-direct) message.</summary>
    public static bool IsSequenced(uint id) => id <= SlimConstants.MaxPublishId;
}
