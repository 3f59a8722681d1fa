using Slim.Protocol;

namespace Slim.Session;

/// <summary>A member of a session, as this app sees it.</summary>
/// <param name="Name">Its full name (with its instance id).</param>
/// <param name="Status">Online or offline.</param>
/// <param name="IsModerator">True for the session's moderator.</param>
/// <param name="IsLocal">True for this app.</param>
/// <param name="SendsData">Its advertised <c>sends_data</c> setting.</param>
/// <param name="ReceivesData">Its advertised <c>receives_data</c> setting (data is sent to and awaited from it only when true).</param>
public sealed record SessionParticipant(
    SlimName Name, ParticipantStatus Status, bool IsModerator, bool IsLocal, bool SendsData, bool ReceivesData);
