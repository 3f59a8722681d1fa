using Slim.Identity;
using Slim.Protocol;

namespace Slim.Session;

/// <summary>
/// Creates the MLS state of one session. Plugged into <see cref="SessionLayerOptions.GroupSecurity"/>; sessions whose
/// configuration (or join request) enables MLS fail without it.
/// </summary>
public interface IGroupSecurityFactory
{
    /// <summary>Creates the (still empty) group security of a session.</summary>
    IGroupSecurity Create(GroupSecurityContext context);
}

/// <summary>Who a session's group security works for.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="LocalName">This app's full name in the session.</param>
/// <param name="IsModerator">True for the session's moderator (it creates the group and commits).</param>
/// <param name="Identity">This app's identity: MLS credentials carry its tokens and its key signs the leaf.</param>
/// <param name="Verifier">Checks the tokens in other members' credentials.</param>
public sealed record GroupSecurityContext(
    uint SessionId, SlimName LocalName, bool IsModerator, IIdentityProvider Identity, IIdentityVerifier Verifier);

/// <summary>
/// The MLS group of one session, as the session layer uses it. One instance per session, called from that session's
/// loop only (never concurrently).
/// </summary>
/// <remarks>
/// <para>
/// Official SLIM v2 uses cipher suite 0x0002, Basic credentials holding an identity token, commits as PublicMessage with
/// the ratchet tree in the Welcome's GroupInfo, and application messages as PrivateMessage whose authenticated data is
/// the header-integrity AAD of the carrying message (see <c>docs/sessions.md</c>).
/// </para>
/// <para>
/// Failures throw <see cref="SlimException"/> (for example with <see cref="SlimErrorCode.GroupSecurityFailed"/>); the
/// session logs and drops the message, or fails the moderator task that asked.
/// </para>
/// </remarks>
public interface IGroupSecurity : IDisposable
{
    /// <summary>The current epoch, carried in heartbeats and participant-state updates; 0 before a group exists.</summary>
    ulong Epoch { get; }

    /// <summary>True once the group exists locally (created, or joined from a Welcome).</summary>
    bool HasGroup { get; }

    /// <summary>Moderator: creates a group holding only this app (epoch 0).</summary>
    ValueTask CreateGroupAsync(CancellationToken cancellationToken);

    /// <summary>Participant: a fresh KeyPackage, encoded as an MLSMessage, for a JOIN_REPLY or REJOIN_REQUEST.</summary>
    ValueTask<byte[]> CreateKeyPackageAsync(CancellationToken cancellationToken);

    /// <summary>Moderator: commits the addition of the key package's owner and applies the commit locally.</summary>
    ValueTask<GroupCommit> AddMemberAsync(ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken);

    /// <summary>Moderator: commits the removal of a member and applies it locally. Returns the commit (no Welcome).</summary>
    /// <param name="memberIdentity">The <see cref="GroupCommit.MemberIdentity"/> returned when the member was added.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<GroupCommit> RemoveMemberAsync(string memberIdentity, CancellationToken cancellationToken);

    /// <summary>Moderator: one commit that removes a member and adds it back with a new key package (rejoin).</summary>
    ValueTask<GroupCommit> ReAddMemberAsync(
        string memberIdentity, ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken);

    /// <summary>Participant: joins (or rejoins) the group from a Welcome (MLSMessage) carrying the ratchet tree.</summary>
    ValueTask JoinAsync(ReadOnlyMemory<byte> welcome, CancellationToken cancellationToken);

    /// <summary>Participant: processes a commit (MLSMessage, PublicMessage) from the moderator.</summary>
    ValueTask ApplyCommitAsync(ReadOnlyMemory<byte> commit, CancellationToken cancellationToken);

    /// <summary>Encrypts application data as an MLSMessage (PrivateMessage) with the given authenticated data.</summary>
    byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> authenticatedData);

    /// <summary>Decrypts an MLSMessage (PrivateMessage) and returns the plaintext and its authenticated data.</summary>
    GroupDecryption Decrypt(ReadOnlySpan<byte> message);
}

/// <summary>The result of a membership commit made by the moderator.</summary>
/// <param name="Commit">The commit, encoded as an MLSMessage, for the GROUP_UPDATE.</param>
/// <param name="Welcome">The Welcome for the added member (empty for a removal).</param>
/// <param name="MemberIdentity">
/// The identity of the added or removed member's credential (official: the token's <c>sub</c>); the session passes it
/// back to remove the member later.
/// </param>
public sealed record GroupCommit(byte[] Commit, byte[] Welcome, string MemberIdentity);

/// <summary>A decrypted application message.</summary>
/// <param name="Plaintext">The application payload.</param>
/// <param name="AuthenticatedData">The authenticated data it was encrypted with (the sender's header-integrity AAD).</param>
public readonly record struct GroupDecryption(byte[] Plaintext, byte[] AuthenticatedData);
