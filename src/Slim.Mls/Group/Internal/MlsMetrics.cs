using System.Diagnostics.Metrics;

namespace Slim.Mls.Group.Internal;

/// <summary>
/// Counters of the group layer on the <c>Slim.Mls</c> meter (OpenTelemetry-ready): commits made and applied, joins,
/// application messages protected and opened, and messages refused by error code.
/// </summary>
internal static class MlsMetrics
{
    private static readonly Meter Meter = new("Slim.Mls");

    public static readonly Counter<long> CommitsCreated = Meter.CreateCounter<long>("slim.mls.commits.created", description: "Commits made by this process.");

    public static readonly Counter<long> CommitsApplied = Meter.CreateCounter<long>("slim.mls.commits.applied", description: "Commits applied (own merged or received), i.e. epoch changes.");

    public static readonly Counter<long> Joins = Meter.CreateCounter<long>("slim.mls.joins", description: "Groups joined from a Welcome or by external commit.");

    public static readonly Counter<long> MessagesEncrypted = Meter.CreateCounter<long>("slim.mls.messages.encrypted", description: "Application messages encrypted.");

    public static readonly Counter<long> MessagesDecrypted = Meter.CreateCounter<long>("slim.mls.messages.decrypted", description: "Application messages decrypted.");

    public static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>("slim.mls.messages.rejected", description: "Incoming messages refused, tagged with the error code.");

    public static void Rejected(MlsErrorCode code) => MessagesRejected.Add(1, new KeyValuePair<string, object?>("error", code.ToString()));
}
