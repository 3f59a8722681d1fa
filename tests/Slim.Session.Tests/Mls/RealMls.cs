using Slim.Mls.CipherSuites;
using Slim.Mls.Framing;
using Slim.Mls.Group;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Mls;
using Slim.Session.Mls.Internal;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests.Mls;

/// <summary>
/// The real MLS glue (<see cref="MlsGroupSecurityFactory"/>) for a <see cref="SessionTestNetwork"/>: on the network's
/// virtual clock, logging into the network's log (so <c>AssertNoErrors</c> covers it), and remembering every group
/// security it created so tests can look at the MLS groups.
/// </summary>
internal sealed class RealMls : IGroupSecurityFactory
{
    private readonly MlsGroupSecurityFactory _inner;
    private readonly List<MlsGroupSecurity> _created = [];

    public RealMls(SessionTestNetwork net, MlsGroupSecurityOptions? options = null)
    {
        Meters = new MlsMeterRecorder();
        net.AddCleanup(Meters);
        _inner = new MlsGroupSecurityFactory(
            (options ?? MlsGroupSecurityOptions.Default) with { TimeProvider = net.Time, MaxDegreeOfParallelism = 1 },
            new RecordingLoggerFactory("mls", net.Logs),
            Meters);
        LayerOptions = SessionLayerOptions.Default with { GroupSecurity = this };
    }

    /// <summary>What the glue's meter recorded.</summary>
    public MlsMeterRecorder Meters { get; }

    /// <summary>Session-layer options that use this factory.</summary>
    public SessionLayerOptions LayerOptions { get; }

    public IGroupSecurity Create(GroupSecurityContext context)
    {
        var security = (MlsGroupSecurity)_inner.Create(context);
        lock (_created)
        {
            _created.Add(security);
        }

        return security;
    }

    /// <summary>The latest group security of <paramref name="app"/> in session <paramref name="sessionId"/>.</summary>
    public MlsGroupSecurity For(TestApp app, uint sessionId)
    {
        lock (_created)
        {
            return _created.Last(s => s.Context.LocalName == app.Name && s.Context.SessionId == sessionId);
        }
    }

    /// <summary>Asserts that every app is in the same epoch of the same group (equal epoch authenticators).</summary>
    public void AssertSameEpoch(uint sessionId, params TestApp[] apps)
    {
        var groups = apps.Select(a => (App: a, Group: For(a, sessionId).Group!)).ToList();
        var first = groups[0].Group;
        foreach (var (app, group) in groups)
        {
            Assert.True(group.IsActive, $"{app} is not an active member");
            Assert.Equal(first.Epoch, group.Epoch);
            Assert.Equal(Convert.ToHexString(first.EpochAuthenticator.Span), Convert.ToHexString(group.EpochAuthenticator.Span));
        }

        Assert.Equal(apps.Length, first.Members.Count);
    }

    /// <summary>Creates a group with a moderator and <paramref name="count"/> invited participants, all using real MLS.</summary>
    public static async Task<(RealMls Mls, TestApp Moderator, SessionHandle Session, List<(TestApp App, SessionHandle Session)> Members)>
        CreateGroupAsync(SessionTestNetwork net, int count, SessionConfig? config = null)
    {
        var mls = new RealMls(net);
        var moderator = net.AddApp("org/ns/moderator", mls.LayerOptions);
        var apps = Enumerable.Range(1, count).Select(i => net.AddApp($"org/ns/client-{i}", mls.LayerOptions)).ToList();
        var session = await moderator.Layer.CreateSessionAsync(config ?? Group, GroupSessionTests.Channel).WithTimeout();
        var members = new List<(TestApp, SessionHandle)>();
        foreach (var app in apps)
        {
            await net.RunAsync(session.InviteAsync(app.Prefix));
            members.Add((app, await app.Layer.ListenForSessionAsync().WithTimeout()));
        }

        return (mls, moderator, session, members);
    }

    /// <summary>A reliable MLS group checking the header of every received message.</summary>
    public static SessionConfig Group { get; } =
        SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 5, mlsEnabled: true) with { HeaderIntegrityValidationPercent = 100 };

    /// <summary>An MLS group restored from <paramref name="state"/>, signing with <paramref name="app"/>'s identity key.</summary>
    public static MlsGroup Restore(byte[] state, TestApp app) =>
        MlsGroup.Restore(state, new IdentitySignatureKey(app.Identity, SignatureSchemeId.EcdsaSecp256r1Sha256), MlsGroupOptions.Default with { MaxDegreeOfParallelism = 1 });

    /// <summary>The MLSMessage in a data message's payload.</summary>
    public static MlsMessage Blob(Message message) => MlsMessage.Decode(message.Publish.Msg.AppPayload.Blob.Span);

    /// <summary>The MLSMessage of a control message's MLS payload (GROUP_UPDATE, GROUP_WELCOME) or REJOIN_REPLY.</summary>
    public static MlsMessage Mls(Message message)
    {
        var payload = message.Publish.Msg.CommandPayload;
        var bytes = payload.GroupUpdate?.Mls?.MlsContent ?? payload.GroupWelcome?.Mls?.MlsContent ?? payload.RejoinReply?.MlsContent
            ?? throw new InvalidOperationException($"{message.GetSessionMessageType()} carries no MLS content.");
        return MlsMessage.Decode(bytes.Span);
    }
}

/// <summary>Creates the glue's meters and records their measurements.</summary>
internal sealed class MlsMeterRecorder : System.Diagnostics.Metrics.IMeterFactory
{
    private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public MlsMeterRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            lock (_meters)
            {
                if (_meters.Contains(instrument.Meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.Start();
    }

    public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
    {
        var meter = new System.Diagnostics.Metrics.Meter(options);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    /// <summary>The measurements of one instrument, with their tags.</summary>
    public IReadOnlyList<(double Value, Dictionary<string, object?> Tags)> Measurements(string instrument)
    {
        lock (_measurements)
        {
            return [.. _measurements.Where(m => m.Name == instrument).Select(m => (m.Value, m.Tags))];
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }

    private void Record(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_measurements)
        {
            _measurements.Add((name, value, copy));
        }
    }
}
