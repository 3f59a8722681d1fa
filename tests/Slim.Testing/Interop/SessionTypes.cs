using System.Text;

namespace Slim.Testing.Interop;

/// <summary>Kind of session.</summary>
public enum TestSessionKind
{
    /// <summary>Two apps.</summary>
    PointToPoint,

    /// <summary>A moderator and invited participants on a channel (official "multicast").</summary>
    Group,
}

/// <summary>How a session is created.</summary>
/// <param name="Kind">Point-to-point or group.</param>
/// <param name="Mls">MLS on or off.</param>
/// <param name="MaxRetries">Retries of reliable and control messages; with <paramref name="Interval"/> it makes the
/// session reliable. Group sessions need both (official participants reject invitations without timer settings).</param>
/// <param name="Interval">Retry interval.</param>
/// <param name="HeaderIntegrityPercent">With MLS: the share (0–100) of received messages whose header integrity is checked.</param>
/// <param name="Metadata">Session metadata handed to participants.</param>
public sealed record TestSessionOptions(
    TestSessionKind Kind,
    bool Mls = false,
    int? MaxRetries = 5,
    TimeSpan? Interval = null,
    int? HeaderIntegrityPercent = null,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>Retry interval used when <see cref="Interval"/> is left null: short, so failures show up fast.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A reliable point-to-point session.</summary>
    public static TestSessionOptions PointToPoint(bool mls = false) => new(TestSessionKind.PointToPoint, mls);

    /// <summary>A reliable group session (interval and retries set, as official participants require).</summary>
    public static TestSessionOptions Group(bool mls = false) => new(TestSessionKind.Group, mls);
}

/// <summary>Options of one publish.</summary>
/// <param name="PayloadType">Content type carried with the message; null leaves the implementation's default.</param>
/// <param name="Metadata">Per-message metadata.</param>
/// <param name="WaitForAck">Return only after the reliable-delivery completion resolved (all acks in).</param>
public sealed record PublishOptions(
    string? PayloadType = null, IReadOnlyDictionary<string, string>? Metadata = null, bool WaitForAck = true);

/// <summary>A message an app received in a session.</summary>
/// <param name="Number">The receiving app's sequence number of this message (used to reply to it).</param>
/// <param name="SessionId">Session it arrived on.</param>
/// <param name="Source">Sender's name without id.</param>
/// <param name="SourceId">Sender's id.</param>
/// <param name="Destination">Destination name as carried by the message (the channel for group data).</param>
/// <param name="PayloadType">Content type.</param>
/// <param name="Metadata">Per-message metadata.</param>
/// <param name="Payload">The bytes.</param>
public sealed record SessionMessage(
    long Number,
    uint SessionId,
    string Source,
    string SourceId,
    string? Destination,
    string PayloadType,
    IReadOnlyDictionary<string, string> Metadata,
    ReadOnlyMemory<byte> Payload)
{
    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>A member's notice that its session ended.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Reason">The implementation's text, e.g. "session closed".</param>
public sealed record SessionClosed(uint SessionId, string Reason);

/// <summary>A session problem reported to the app that does not end the session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ErrorType">The implementation's error kind, e.g. "SessionError".</param>
/// <param name="Message">The implementation's text.</param>
public sealed record SessionError(uint SessionId, string ErrorType, string Message);

/// <summary>A session member as one app sees it.</summary>
/// <param name="Name">Name without id.</param>
/// <param name="Id">Its id.</param>
/// <param name="Online">False once the member is considered offline.</param>
public sealed record SessionParticipant(string Name, string Id, bool Online);

/// <summary>Text shortcuts over <see cref="ISessionUnderTest"/>.</summary>
public static class SessionUnderTestExtensions
{
    /// <summary>Publishes UTF-8 text.</summary>
    public static Task PublishTextAsync(
        this ISessionUnderTest session,
        string text,
        PublishOptions? options = null,
        CancellationToken cancellationToken = default) =>
        session.PublishAsync(Encoding.UTF8.GetBytes(text), options, cancellationToken);

    /// <summary>Replies with UTF-8 text to the sender of <paramref name="replyTo"/>.</summary>
    public static Task PublishTextToAsync(
        this ISessionUnderTest session,
        SessionMessage replyTo,
        string text,
        PublishOptions? options = null,
        CancellationToken cancellationToken = default) =>
        session.PublishToAsync(replyTo, Encoding.UTF8.GetBytes(text), options, cancellationToken);

    /// <summary>Waits for the next message whose text is <paramref name="text"/>.</summary>
    public static Task<SessionMessage> WaitForTextAsync(
        this ISessionUnderTest session,
        string text,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        session.WaitForMessageAsync(m => m.Text == text, timeout, cancellationToken);
}
