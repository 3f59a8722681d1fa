using Microsoft.Extensions.Logging;
using Slim.Mls;
using Slim.Mls.Credentials;

namespace Slim.Session.Mls.Internal;

/// <summary>
/// Log messages of the MLS glue (category <c>Slim.Session.Mls</c>, event ids 4100–4119, stable). Tokens, keys, secrets
/// and payloads are never logged; session ids, epochs, member counts and error codes are.
/// </summary>
internal static partial class MlsLog
{
    public const string Category = "Slim.Session.Mls";

    [LoggerMessage(4100, LogLevel.Information, "Session {SessionId}: MLS group created (suite {Suite}, epoch {Epoch})")]
    public static partial void GroupCreated(ILogger logger, uint sessionId, string suite, ulong epoch);

    [LoggerMessage(4101, LogLevel.Information, "Session {SessionId}: joined the MLS group at epoch {Epoch} with {Members} members")]
    public static partial void GroupJoined(ILogger logger, uint sessionId, ulong epoch, int members);

    [LoggerMessage(4102, LogLevel.Debug, "Session {SessionId}: MLS {Operation} moved the group from epoch {From} to {To} ({Members} members, {Milliseconds:0.0} ms)")]
    public static partial void EpochChanged(ILogger logger, uint sessionId, string operation, ulong from, ulong to, int members, double milliseconds);

    [LoggerMessage(4103, LogLevel.Information, "Session {SessionId}: a commit removed this app from the MLS group at epoch {Epoch}")]
    public static partial void RemovedFromGroup(ILogger logger, uint sessionId, ulong epoch);

    [LoggerMessage(4104, LogLevel.Debug, "Session {SessionId}: MLS refused the input of {Operation}: {ErrorCode}")]
    public static partial void Rejected(ILogger logger, uint sessionId, string operation, MlsErrorCode errorCode);

    [LoggerMessage(4105, LogLevel.Warning, "Session {SessionId}: member credential refused ({Reason}): {Error}")]
    public static partial void CredentialRejected(ILogger logger, uint sessionId, CredentialValidationReason reason, string error);

    [LoggerMessage(4106, LogLevel.Debug, "Session {SessionId}: key package created ({Pending} pending)")]
    public static partial void KeyPackageCreated(ILogger logger, uint sessionId, int pending);
}
