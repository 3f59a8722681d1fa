using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal.Security;

namespace Slim.Session.Internal;

/// <summary>
/// One session, in either role: all of its state lives on its own <see cref="SerialExecutor"/> loop. This file holds
/// construction and the shared state; the partial files hold one concern each (sending, receiving, requests, data
/// reliability, heartbeats, moderator tasks, participant handlers, roster, closing).
/// </summary>
internal sealed partial class SessionEngine
{
    private readonly SessionServices _services;
    private readonly SerialExecutor _executor;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Channel<SessionMessage> _received;
    private readonly Channel<SessionNotification> _notifications;
    private readonly TaskCompletionSource<SessionCloseReason> _closed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ReplayCache _replay;
    private readonly ReplyCache _replies = new(256);
    private readonly SessionType _wireType;

    // Reliability and control timers (adopted from the join request by participants).
    private readonly bool _reliable;
    private readonly TimeSpan _dataInterval;
    private readonly int _dataRetries;
    private readonly TimeSpan _controlInterval;
    private readonly int _controlRetries;

    // MLS.
    private readonly bool _mls;
    private readonly int _integrityPercent;
    private IGroupSecurity? _security;

    // Our name in this session (the wire form is reused so that the signed bytes stay what the peer addressed).
    private readonly Name _localWire;

    // Group channels (null for point-to-point).
    private readonly Name? _dataWire;
    private readonly Name? _controlWire;

    private volatile int _state;

    private SessionEngine(
        SessionServices services,
        uint id,
        SessionKind kind,
        bool isModerator,
        Name localWire,
        SlimName channelName,
        Name? dataWire,
        Name? controlWire,
        TimerSettings? timers,
        bool mls,
        int integrityPercent,
        IReadOnlyDictionary<string, string> metadata)
    {
        _services = services;
        _logger = services.LoggerFactory.CreateLogger("Slim.Session");
        Id = id;
        Kind = kind;
        IsModerator = isModerator;
        _localWire = localWire;
        LocalName = SlimName.FromWire(localWire);
        ChannelName = channelName;
        _dataWire = dataWire;
        _controlWire = controlWire;
        _wireType = kind == SessionKind.Group ? SessionType.Multicast : SessionType.PointToPoint;
        Metadata = metadata;
        _mls = mls;
        _integrityPercent = Math.Clamp(integrityPercent, 0, 100);

        var options = services.Options;
        _reliable = timers is not null;
        _dataInterval = timers is null ? options.DefaultControlInterval : TimeSpan.FromMilliseconds(Math.Max(1u, timers.Timeout));
        _dataRetries = timers is null ? options.DefaultControlMaxRetries : (int)Math.Min(timers.MaxRetries, int.MaxValue);
        _controlInterval = timers is null ? options.DefaultControlInterval : _dataInterval;
        _controlRetries = timers is null ? options.DefaultControlMaxRetries : _dataRetries;
        Timers = timers;

        _replay = new ReplayCache(options.ReplayCacheSenders, options.ReplayCacheIdsPerSender);
        _producer = new Reliability.ProducerBuffer<PublishedMessage>(options.ProducerBufferSize);
        _received = Channel.CreateBounded<SessionMessage>(new BoundedChannelOptions(options.ReceiveCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _notifications = Channel.CreateBounded<SessionNotification>(new BoundedChannelOptions(options.NotificationCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
        _executor = new SerialExecutor(services.Tracker, _logger, $"session {id}");
        Handle = new SessionHandle(this);
        PublishRoster();
    }

    public uint Id { get; }

    public SessionKind Kind { get; }

    public bool IsModerator { get; }

    /// <summary>Our full name in this session.</summary>
    public SlimName LocalName { get; }

    /// <summary>Group: the channel name the moderator chose (without id). Point-to-point: the peer (its full name once known).</summary>
    public SlimName ChannelName { get; private set; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The effective timer settings (null: best-effort data, default control retransmission).</summary>
    public TimerSettings? Timers { get; }

    public bool MlsEnabled => _mls;

    public SessionState State => (SessionState)_state;

    public SessionHandle Handle { get; }

    /// <summary>Completes with the reason once the session is closed.</summary>
    public Task<SessionCloseReason> Closed => _closed.Task;

    public ChannelReader<SessionMessage> Received => _received.Reader;

    public ChannelReader<SessionNotification> Notifications => _notifications.Reader;

    internal SerialExecutor Executor => _executor;

    internal TimeProvider TimeProvider => _services.Time;

    /// <summary>Our name in this session as the wire carries it.</summary>
    internal Name LocalWire => _localWire;

    /// <summary>Participant: the moderator's full name.</summary>
    internal SlimName? ModeratorName => _moderatorName;

    /// <summary>Creates the session of an app that initiates it (its moderator).</summary>
    public static SessionEngine CreateModerator(SessionServices services, uint id, SessionConfig config, SlimName destination)
    {
        var localWire = services.LocalName.ToWire();
        TimerSettings? timers = null;
        var interval = config.Interval;
        var retries = config.MaxRetries;
        if (config.Kind == SessionKind.Group && (interval is null || retries is null))
        {
            // Official participants refuse group join requests without timer settings: a group is always reliable.
            interval ??= services.Options.DefaultControlInterval;
            retries ??= services.Options.DefaultControlMaxRetries;
        }

        if (interval is { } i && retries is { } r)
        {
            timers = new TimerSettings { Timeout = (uint)Math.Max(1, (long)i.TotalMilliseconds), MaxRetries = (uint)r };
        }

        Name? dataWire = null;
        Name? controlWire = null;
        var channel = destination;
        if (config.Kind == SessionKind.Group)
        {
            channel = destination.WithoutId();
            var (dataId, controlId) = SlimIds.ChannelIds(services.Identity.Id, channel);
            dataWire = channel.WithId(dataId).ToWire();
            controlWire = channel.WithId(controlId).ToWire();
        }

        var engine = new SessionEngine(
            services,
            id,
            config.Kind,
            isModerator: true,
            localWire,
            channel,
            dataWire,
            controlWire,
            timers,
            config.MlsEnabled,
            config.HeaderIntegrityValidationPercent,
            new Dictionary<string, string>(config.Metadata));
        engine._peerPrefixWire = config.Kind == SessionKind.PointToPoint ? destination.ToWire() : null;
        engine._state = (int)(config.Kind == SessionKind.Group ? SessionState.Active : SessionState.Establishing);
        return engine;
    }

    /// <summary>
    /// Creates the session of an app invited by a (validated) JOIN_REQUEST. The session is announced to the app once its
    /// GROUP_WELCOME has been processed.
    /// </summary>
    public static SessionEngine CreateParticipant(SessionServices services, Message joinRequest)
    {
        var publish = joinRequest.Publish;
        var join = publish.Msg.CommandPayload.JoinRequest;
        var kind = publish.Session.SessionType == SessionType.Multicast ? SessionKind.Group : SessionKind.PointToPoint;
        var localWire = publish.Header.Destination.Clone();
        localWire.Name_.NameId = new NameId { Id0 = (ulong)(services.AppId >> 64), Id1 = (ulong)services.AppId };
        var moderator = SlimName.FromWire(publish.Header.Source);
        var channel = kind == SessionKind.Group ? SlimName.FromWire(join.Channel).WithoutId() : moderator;
        var metadata = new Dictionary<string, string>(joinRequest.Metadata);
        var engine = new SessionEngine(
            services,
            publish.Session.SessionId,
            kind,
            isModerator: false,
            localWire,
            channel,
            kind == SessionKind.Group ? join.Channel.Clone() : null,
            kind == SessionKind.Group ? join.Control.Clone() : null,
            join.TimerSettings?.Clone(),
            join.MlsSettings is not null,
            (int)Math.Min(join.MlsSettings?.HeaderIntegrityValidationPercent ?? 0, 100u),
            metadata);
        engine._moderatorName = moderator;
        engine._moderatorWire = publish.Header.Source.Clone();
        engine._peer = kind == SessionKind.PointToPoint ? moderator : null;
        engine._peerWire = kind == SessionKind.PointToPoint ? publish.Header.Source.Clone() : null;
        engine._state = (int)SessionState.Establishing;
        return engine;
    }

    /// <summary>Feeds a received message (from the layer) to the loop.</summary>
    public void Post(Message message, bool preVerified) => _executor.Run(() => HandleInboundAsync(message, preVerified));

    private bool IsClosedOrClosing => _state >= (int)SessionState.Closing;

    private CancellationToken Lifetime => _lifetime.Token;

    private SlimSessionException ClosedException() =>
        new(SlimErrorCode.SessionClosed, $"Session {Id} is closed.");

    private void Notify(SessionNotification notification) => _notifications.Writer.TryWrite(notification);
}
