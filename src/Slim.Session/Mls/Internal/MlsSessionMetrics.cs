using System.Diagnostics;
using System.Diagnostics.Metrics;
using Slim.Identity;
using Slim.Mls;

namespace Slim.Session.Mls.Internal;

/// <summary>
/// The <c>Slim.Session.Mls</c> meter: groups created and joined, epoch changes and how long each MLS operation took,
/// messages and credentials refused. The MLS library's own counters are on the <c>Slim.Mls</c> meter.
/// </summary>
internal sealed class MlsSessionMetrics
{
    public const string MeterName = "Slim.Session.Mls";

    private const string OperationTag = "slim.session.mls.operation";

    private static readonly Meter SharedMeter = new(MeterName);

    private readonly Counter<long> _groups;
    private readonly Counter<long> _epochChanges;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _credentialsRejected;

    public MlsSessionMetrics(IMeterFactory? factory)
    {
        Meter = factory?.Create(MeterName) ?? SharedMeter;
        _groups = Meter.CreateCounter<long>(
            "slim.session.mls.groups", "{group}", "MLS groups created (moderator) or joined from a Welcome (participant, rejoin included).");
        _epochChanges = Meter.CreateCounter<long>(
            "slim.session.mls.epoch_changes", "{commit}", "Epoch changes: commits made by the moderator and commits applied by participants.");
        _duration = Meter.CreateHistogram<double>(
            "slim.session.mls.operation.duration", "ms", "Duration of MLS group operations (create, key package, add, remove, re-add, join, apply).");
        _rejected = Meter.CreateCounter<long>(
            "slim.session.mls.rejected", "{message}", "MLS input refused (data, commits, Welcomes, key packages), by operation and MLS error code.");
        _credentialsRejected = Meter.CreateCounter<long>(
            "slim.session.mls.credentials.rejected", "{credential}", "Member credentials refused, by identity failure reason.");
    }

    public Meter Meter { get; }

    public void GroupReady(string operation) => _groups.Add(1, new KeyValuePair<string, object?>(OperationTag, operation));

    public void EpochChanged(string operation) => _epochChanges.Add(1, new KeyValuePair<string, object?>(OperationTag, operation));

    public void Duration(string operation, TimeSpan elapsed) =>
        _duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(OperationTag, operation));

    public void Rejected(string operation, MlsErrorCode code) =>
        _rejected.Add(1, new TagList { { OperationTag, operation }, { "slim.mls.error", code.ToString() } });

    public void CredentialRejected(IdentityFailureReason reason) =>
        _credentialsRejected.Add(1, new KeyValuePair<string, object?>("slim.identity.failure_reason", reason.ToString()));
}
