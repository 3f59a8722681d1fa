using System.Diagnostics;
using Slim.Mls;
using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.Proposals;
using Slim.Mls.Tree;
using Slim.Protocol;

namespace Slim.Session.Mls.Internal;

// A participant: it publishes KeyPackages (JOIN_REPLY, REJOIN_REQUEST), joins from the moderator's Welcome (GROUP_WELCOME,
// REJOIN_REPLY) and applies the moderator's commits (GROUP_UPDATE) in the order the session gives them.
internal sealed partial class MlsGroupSecurity
{
    private readonly List<KeyPackageBundle> _keyPackages = [];

    /// <inheritdoc />
    public ValueTask<byte[]> CreateKeyPackageAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        var bundle = MlsGroup.CreateKeyPackage(_suite, _signer, OwnCredential(), _mlsOptions);
        _keyPackages.Add(bundle);
        while (_keyPackages.Count > _pendingKeyPackages)
        {
            _keyPackages[0].Dispose();
            _keyPackages.RemoveAt(0);
        }

        _metrics.Duration("key_package", Stopwatch.GetElapsedTime(started));
        MlsLog.KeyPackageCreated(_logger, _context.SessionId, _keyPackages.Count);
        return ValueTask.FromResult(MlsMessages.FromKeyPackage(bundle.KeyPackage).ToBytes());
    }

    /// <inheritdoc />
    public async ValueTask JoinAsync(ReadOnlyMemory<byte> welcome, CancellationToken cancellationToken)
    {
        var operation = _group is null ? "join" : "rejoin";
        await RunAsync(operation, async () =>
        {
            var message = MlsMessage.Decode(welcome.Span);
            if (message.WireFormat != WireFormat.Welcome)
            {
                throw new MlsException(MlsErrorCode.WrongWireFormat, $"Expected a Welcome, got {message.WireFormat}.");
            }

            // The newest KeyPackage first: a rejoin answers the latest REJOIN_REQUEST.
            for (var i = _keyPackages.Count - 1; i >= 0; i--)
            {
                var bundle = _keyPackages[i];
                MlsGroup joined;
                try
                {
                    joined = await MlsGroup.JoinAsync(message, bundle, _signer, _mlsOptions, cancellationToken: cancellationToken);
                }
                catch (MlsException e) when (e.ErrorCode == MlsErrorCode.WelcomeNotForUs)
                {
                    continue;
                }

                // Each KeyPackage opens one Welcome only.
                _keyPackages.RemoveAt(i);
                bundle.Dispose();
                var previous = _group;
                _group = joined;
                previous?.Dispose();
                _metrics.GroupReady(operation);
                MlsLog.GroupJoined(_logger, _context.SessionId, joined.Epoch, joined.Tree.Leaves().Count());
                return true;
            }

            throw new MlsException(MlsErrorCode.WelcomeNotForUs, "The Welcome is for none of this session's pending key packages.");
        });
    }

    /// <inheritdoc />
    public async ValueTask ApplyCommitAsync(ReadOnlyMemory<byte> commit, CancellationToken cancellationToken)
    {
        var group = ActiveGroup("apply");
        await RunAsync("apply", async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var from = group.Epoch;
            var message = MlsMessage.Decode(commit.Span);
            var content = message.WireFormat switch
            {
                WireFormat.PublicMessage => message.PublicMessage!.Content.ContentType,
                WireFormat.PrivateMessage => message.PrivateMessage!.ContentType,
                _ => ContentType.Application,
            };
            if (content != ContentType.Commit)
            {
                // Only the moderator's commits travel in GROUP_UPDATE; a proposal or data here would be a forgery.
                throw new MlsException(MlsErrorCode.InvalidContentType, $"A group update must carry a commit, not {message.WireFormat} {content}.");
            }

            if (message.PublicMessage is { } plain)
            {
                await CheckCommitCredentialsAsync(plain, cancellationToken);
            }

            var processed = await group.ProcessMessageAsync(message, cancellationToken);
            var summary = processed.Commit!;
            if (summary.SelfRemoved)
            {
                MlsLog.RemovedFromGroup(_logger, _context.SessionId, summary.NewEpoch);
            }

            EpochChanged("apply", from, started);
            return true;
        });
    }

    /// <summary>
    /// Checks the credentials a commit brings in before MLS processes it, so the checks MLS makes are answered from the
    /// validator's memory. MLS still decides: a refused credential is refused again there, with its error code.
    /// </summary>
    private async ValueTask CheckCommitCredentialsAsync(PublicMessage message, CancellationToken cancellationToken)
    {
        foreach (var (leaf, reason) in CredentialsBroughtIn(message))
        {
            await CheckCredentialAsync(leaf, reason, cancellationToken);
        }
    }

    /// <summary>
    /// The leaves whose credentials a commit brings into the group: its additions (new members) and, when it has a
    /// path, the committer's new leaf (a successor of its own). Empty when the commit does not decode (MLS refuses it).
    /// </summary>
    internal static IReadOnlyList<(LeafNode Leaf, CredentialValidationReason Reason)> CredentialsBroughtIn(PublicMessage message)
    {
        Commit body;
        try
        {
            body = TlsCodec.Deserialize<Commit>(message.Content.Content);
        }
        catch (MlsException)
        {
            return [];
        }

        var leaves = new List<(LeafNode, CredentialValidationReason)>();
        foreach (var proposal in body.Proposals)
        {
            if (proposal.Proposal is AddProposal add)
            {
                leaves.Add((add.KeyPackage.LeafNode, CredentialValidationReason.NewMember));
            }
        }

        if (body.Path is { } path)
        {
            leaves.Add((path.LeafNode, CredentialValidationReason.Successor));
        }

        return leaves;
    }

    private void DisposeKeyPackages()
    {
        foreach (var bundle in _keyPackages)
        {
            bundle.Dispose();
        }

        _keyPackages.Clear();
    }
}
