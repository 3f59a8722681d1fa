using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// Who is in the session, their status, and the routes we added towards them.
internal sealed partial class SessionEngine
{
    private readonly List<Member> _members = [];
    private readonly HashSet<(SlimName Name, ulong Connection)> _routes = [];
    private volatile SessionParticipant[] _rosterSnapshot = [];

    // Participant: the moderator. Point-to-point: the peer (both roles), and for the moderator the name it was asked for.
    private SlimName? _moderatorName;
    private Name? _moderatorWire;
    private SlimName? _peer;
    private Name? _peerWire;
    private Name? _peerPrefixWire;

    /// <summary>Everyone in the session, this app included (a snapshot, safe from any thread).</summary>
    public IReadOnlyList<SessionParticipant> Participants => _rosterSnapshot;

    /// <summary>Members that receive data and are online: data is sent to them and their acks awaited.</summary>
    private IEnumerable<Member> DataEndpoints =>
        _members.Where(m => m.ReceivesData && m.Status == ParticipantStatus.Online && !m.Leaving);

    private Member? FindMember(SlimName fullName)
    {
        foreach (var member in _members)
        {
            if (member.Name == fullName)
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>Finds a member as an app names it: by full name, or by prefix when the name has no instance id.</summary>
    private Member? FindMemberByAppName(SlimName name)
    {
        foreach (var member in _members)
        {
            if (name.IsAnyInstance ? member.Name.HasSamePrefix(name) : member.Name == name)
            {
                return member;
            }
        }

        return null;
    }

    private Member AddMember(Participant? participant, Name wire, bool isModerator, bool knownFromStart)
    {
        var name = SlimName.FromWire(wire);
        var existing = FindMember(name);
        if (existing is not null)
        {
            return existing;
        }

        var member = new Member(name, wire.Clone())
        {
            SendsData = participant?.Settings?.SendsData ?? true,
            ReceivesData = participant?.Settings?.ReceivesData ?? true,
            Status = participant?.Status == ParticipantState.Offline ? ParticipantStatus.Offline : ParticipantStatus.Online,
            IsModerator = isModerator,
            KnownFromStart = knownFromStart,
        };
        _members.Add(member);
        PublishRoster();
        OnEndpointAdded();
        return member;
    }

    private void RemoveMember(Member member)
    {
        _members.Remove(member);
        ForgetExpectedReplies(member.Name);
        ForgetPendingAcks(member.Name);
        _streams.Remove(member.Name);
        PublishRoster();
    }

    private void MarkOffline(Member member, string reason)
    {
        if (member.Status == ParticipantStatus.Offline)
        {
            return;
        }

        member.Status = ParticipantStatus.Offline;
        ForgetExpectedReplies(member.Name);
        ForgetPendingAcks(member.Name);
        PublishRoster();
        Log.ParticipantOffline(_logger, Id, member.Name, reason);
        _services.Metrics.WentOffline();
        Notify(new ParticipantStatusNotification(member.Name, ParticipantStatus.Offline));
    }

    private void MarkOnline(Member member)
    {
        member.MissedTicks = 0;
        if (member.Status == ParticipantStatus.Online)
        {
            return;
        }

        member.Status = ParticipantStatus.Online;
        PublishRoster();
        Log.ParticipantOnline(_logger, Id, member.Name);
        Notify(new ParticipantStatusNotification(member.Name, ParticipantStatus.Online));
    }

    /// <summary>The roster as the wire lists it (GROUP_WELCOME, GROUP_UPDATE): this app first, then the members.</summary>
    private List<Participant> WireRoster()
    {
        var list = new List<Participant>(_members.Count + 1) { SelfParticipant() };
        list.AddRange(_members.Select(ToParticipant));
        return list;
    }

    private Participant SelfParticipant() => new()
    {
        Name = _localWire.Clone(),
        Settings = new ParticipantSettings { SendsData = true, ReceivesData = true },
        Status = ParticipantState.Online,
    };

    private static Participant ToParticipant(Member member) => new()
    {
        Name = member.Wire.Clone(),
        Settings = new ParticipantSettings { SendsData = member.SendsData, ReceivesData = member.ReceivesData },
        Status = member.Status == ParticipantStatus.Offline ? ParticipantState.Offline : ParticipantState.Online,
    };

    private void PublishRoster()
    {
        var list = new List<SessionParticipant>(_members.Count + 1)
        {
            new(LocalName, ParticipantStatus.Online, IsModerator, IsLocal: true, SendsData: true, ReceivesData: true),
        };
        list.AddRange(_members.Select(m =>
            new SessionParticipant(m.Name, m.Status, m.IsModerator, IsLocal: false, m.SendsData, m.ReceivesData)));
        _rosterSnapshot = [.. list];
    }

    private static ulong? IncomingConnection(Message message) =>
        message.Publish.Header.HasIncomingConn ? message.Publish.Header.IncomingConn : null;

    private async Task AddRouteAsync(SlimName name, ulong? connection)
    {
        if (connection is not { } conn || !_routes.Add((name, conn)))
        {
            return;
        }

        try
        {
            await _services.Transport.SetRouteAsync(name, conn, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.RouteFailed(_logger, Id, name, ex);
        }
    }

    private async Task RemoveRoutesAsync(SlimName name)
    {
        foreach (var route in _routes.Where(r => r.Name == name).ToList())
        {
            _routes.Remove(route);
            try
            {
                await _services.Transport.RemoveRouteAsync(route.Name, route.Connection, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.RouteFailed(_logger, Id, name, ex);
            }
        }
    }

    private async Task RemoveAllRoutesAsync()
    {
        foreach (var name in _routes.Select(r => r.Name).Distinct().ToList())
        {
            await RemoveRoutesAsync(name);
        }
    }

    private sealed class Member(SlimName name, Name wire)
    {
        public SlimName Name { get; } = name;

        public Name Wire { get; } = wire;

        public bool SendsData { get; set; } = true;

        public bool ReceivesData { get; set; } = true;

        public ParticipantStatus Status { get; set; }

        public int MissedTicks { get; set; }

        public bool IsModerator { get; init; }

        /// <summary>Moderator only: the MLS identity returned when the member was added (to remove it later).</summary>
        public string? MlsIdentity { get; set; }

        /// <summary>Moderator only: the member announced it is leaving (its removal is queued).</summary>
        public bool Leaving { get; set; }

        /// <summary>True when this app knew the member before it could send data: its message ids start at 1 for us.</summary>
        public bool KnownFromStart { get; init; }
    }
}
