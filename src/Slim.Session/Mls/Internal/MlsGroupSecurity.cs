using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Slim.Identity;
using Slim.Mls;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.Tree;
using Slim.Protocol;

namespace Slim.Session.Mls.Internal;

/// <summary>
/// One session's MLS group over <see cref="MlsGroup"/>, as official SLIM v2 runs it: the moderator creates the group and
/// commits every change (PublicMessage, add without path, ratchet tree in the Welcome); participants publish
/// KeyPackages, join from Welcomes and apply the moderator's commits; data is PrivateMessage application data whose
/// authenticated data is the carrying message's header-integrity AAD.
/// </summary>
/// <remarks>
/// <para>
/// Called from its session's loop only. The asynchronous operations do not use <c>ConfigureAwait(false)</c>, so their
/// continuations, and with them every change of this object's state, run on that loop like the rest of the session.
/// </para>
/// <para>
/// Credential checks are asynchronous. The new credentials an operation brings in (the KeyPackage of an addition, the
/// additions and committer path of a received commit) are checked before the operation reaches MLS, so the MLS call
/// itself finds them in the validator's memory and completes without yielding: no data message can be encrypted or
/// decrypted in the middle of a commit. Should an MLS call still yield (a verifier fetching keys for a credential
/// first seen inside it), <see cref="Encrypt"/> and <see cref="Decrypt"/> refuse until it is over rather than touch a
/// group that is changing; the session then drops the data message (its sender retransmits) or fails the publish.
/// </para>
/// <para>
/// No group store is configured, so encryption and decryption complete synchronously, as <see cref="IGroupSecurity"/>
/// requires. The group lives as long as the session.
/// </para>
/// </remarks>
internal sealed partial class MlsGroupSecurity : IGroupSecurity
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly GroupSecurityContext _context;
    private readonly CipherSuite _suite;
    private readonly MlsGroupOptions _mlsOptions;
    private readonly IdentitySignatureKey _signer;
    private readonly IdentityCredentialValidator _validator;
    private readonly MlsSessionMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _pendingKeyPackages;
    private MlsGroup? _group;
    private bool _busy;
    private bool _disposed;

    public MlsGroupSecurity(
        GroupSecurityContext context, MlsGroupSecurityOptions options, CipherSuite suite, MlsSessionMetrics metrics, ILogger logger)
    {
        _context = context;
        _suite = suite;
        _metrics = metrics;
        _logger = logger;
        _pendingKeyPackages = options.PendingKeyPackages;
        _signer = new IdentitySignatureKey(context.Identity, suite.SignatureScheme.Id);
        _validator = new IdentityCredentialValidator(context.Verifier, options.TimeProvider, options.CredentialCacheCapacity, OnCredentialRejected);
        _mlsOptions = MlsGroupOptions.Default with
        {
            TimeProvider = options.TimeProvider,
            CredentialValidator = _validator,
            KeyPackageLifetime = options.KeyPackageLifetime,
            PastEpochRetention = options.PastEpochRetention,
            SecretTree = options.SecretTree,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
        };
    }

    /// <inheritdoc />
    public ulong Epoch => _group?.Epoch ?? 0;

    /// <inheritdoc />
    public bool HasGroup => _group is { IsActive: true };

    /// <summary>Who this group security works for.</summary>
    internal GroupSecurityContext Context => _context;

    /// <summary>The group (tests and diagnostics); null before it exists.</summary>
    internal MlsGroup? Group => _group;

    /// <inheritdoc />
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> authenticatedData)
    {
        var group = ActiveGroup("encrypt");
        try
        {
            var pending = group.EncryptApplicationMessageAsync(plaintext.ToArray(), authenticatedData.ToArray());
            return Completed(pending).ToBytes();
        }
        catch (MlsException e)
        {
            throw Refused("encrypt", e);
        }
    }

    /// <inheritdoc />
    public GroupDecryption Decrypt(ReadOnlySpan<byte> message)
    {
        var group = ActiveGroup("decrypt");
        try
        {
            var decoded = MlsMessage.Decode(message);
            if (decoded.WireFormat != WireFormat.PrivateMessage || decoded.PrivateMessage!.ContentType != ContentType.Application)
            {
                // A commit or proposal smuggled into a data message must never change the group.
                throw new MlsException(MlsErrorCode.WrongWireFormat, $"Data must be a PrivateMessage with application content, not a {decoded.WireFormat}.");
            }

            var processed = Completed(group.ProcessMessageAsync(decoded));
            return new GroupDecryption(processed.ApplicationData!, processed.AuthenticatedData);
        }
        catch (MlsException e)
        {
            throw Refused("decrypt", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_busy)
        {
            Release();
        }

        // Otherwise the operation in progress still uses the group; it releases everything when it ends.
    }

    /// <summary>A Basic credential with a freshly minted token of this app (its pubkey claim is the leaf key).</summary>
    private Credential OwnCredential() => Credential.Basic(Utf8.GetBytes(_context.Identity.GetToken()));

    private MlsGroup ActiveGroup(string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_busy)
        {
            throw new SlimSessionException(
                SlimErrorCode.GroupSecurityFailed, $"MLS {operation} refused: a group operation of session {_context.SessionId} is in progress.");
        }

        return _group is { IsActive: true } group
            ? group
            : throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"Session {_context.SessionId} is not a member of an MLS group.");
    }

    /// <summary>
    /// Runs one group operation: one at a time, timed, and with MLS refusals turned into
    /// <see cref="SlimErrorCode.GroupSecurityFailed"/> (counted and logged).
    /// </summary>
    private async ValueTask<T> RunAsync<T>(string operation, Func<ValueTask<T>> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_busy)
        {
            throw new SlimSessionException(
                SlimErrorCode.GroupSecurityFailed, $"MLS {operation} refused: another group operation of session {_context.SessionId} is in progress.");
        }

        _busy = true;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await body();
            _metrics.Duration(operation, Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (MlsException e)
        {
            throw Refused(operation, e);
        }
        finally
        {
            _busy = false;
            if (_disposed)
            {
                Release();
            }
        }
    }

    /// <summary>Wipes the group's secrets and the pending KeyPackages' private keys.</summary>
    private void Release()
    {
        _group?.Dispose();
        _group = null;
        DisposeKeyPackages();
        _signer.Dispose();
    }

    private void EpochChanged(string operation, ulong from, long started)
    {
        _metrics.EpochChanged(operation);
        MlsLog.EpochChanged(_logger, _context.SessionId, operation, from, Epoch, _group?.Tree.Leaves().Count() ?? 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private SlimSessionException Refused(string operation, MlsException e)
    {
        _metrics.Rejected(operation, e.ErrorCode);
        MlsLog.Rejected(_logger, _context.SessionId, operation, e.ErrorCode);
        return new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"MLS {operation} refused ({e.ErrorCode}): {e.Message}", e);
    }

    private void OnCredentialRejected(CredentialValidationReason reason, IdentityFailureReason failure, string error)
    {
        _metrics.CredentialRejected(failure);
        MlsLog.CredentialRejected(_logger, _context.SessionId, reason, error);
    }

    /// <summary>
    /// The result of an MLS call that completes synchronously without a group store (encryption, application data).
    /// </summary>
    private static T Completed<T>(ValueTask<T> pending) =>
        pending.IsCompleted
            ? pending.GetAwaiter().GetResult()
            : throw new InvalidOperationException("An MLS call expected to complete synchronously (no group store) did not.");

    /// <summary>Validates a leaf's credential before MLS does, so MLS finds the outcome remembered; returns the identity.</summary>
    private async ValueTask<CredentialValidation> CheckCredentialAsync(LeafNode leaf, CredentialValidationReason reason, CancellationToken cancellationToken) =>
        await _validator.ValidateAsync(leaf.Credential, leaf.SignatureKey, reason, cancellationToken);

    /// <summary>Decodes a KeyPackage carried as an MLSMessage (JOIN_REPLY, REJOIN_REQUEST).</summary>
    internal static KeyPackage ReadKeyPackage(ReadOnlySpan<byte> mlsMessage) => MlsMessages.ReadKeyPackage(mlsMessage);
}
