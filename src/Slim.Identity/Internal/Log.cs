using Microsoft.Extensions.Logging;

namespace Slim.Identity.Internal;

/// <summary>Source-generated log messages of <c>Slim.Identity</c> (event ids 5000-5099). Never logs tokens or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Fetching {What} failed: {Error}")]
    public static partial void FetchFailed(ILogger logger, string what, string error);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Fetched {What}: {Count} key(s)")]
    public static partial void Fetched(ILogger logger, string what, int count);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Reloading {What} failed; keeping the previous one: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string what, string error);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Reloaded {What}")]
    public static partial void Reloaded(ILogger logger, string what);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Renewing the JWT-SVID failed; retrying in {RetryIn}: {Error}")]
    public static partial void SvidRenewalFailed(ILogger logger, TimeSpan retryIn, string error);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Debug, Message = "Renewed the JWT-SVID of {SpiffeId}; it expires at {ExpiresAt}")]
    public static partial void SvidRenewed(ILogger logger, string spiffeId, DateTimeOffset expiresAt);
}
