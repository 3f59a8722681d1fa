namespace Slim.Session.Internal;

/// <summary>Values of the <c>slim.session.drop_reason</c> tag (and the reason words in drop logs).</summary>
internal static class DropReason
{
    public const string Invalid = "invalid";
    public const string MalformedPayload = "malformed_payload";
    public const string UnknownSession = "unknown_session";
    public const string BadIdentity = "bad_identity";
    public const string NotMember = "not_member";
    public const string Duplicate = "duplicate";
    public const string SessionIdOutOfRange = "session_id_out_of_range";
    public const string MissingTimerSettings = "missing_timer_settings";
    public const string NotLocalName = "not_local_name";
    public const string ReceiveQueueFull = "receive_queue_full";
    public const string IncomingQueueFull = "incoming_queue_full";
    public const string GroupSecurity = "group_security";
    public const string GroupSecurityUnavailable = "group_security_unavailable";
    public const string HeaderIntegrity = "header_integrity";
    public const string SendFailed = "send_failed";
    public const string Unsupported = "unsupported";
    public const string WrongSessionType = "wrong_session_type";
    public const string Stale = "stale";
}
