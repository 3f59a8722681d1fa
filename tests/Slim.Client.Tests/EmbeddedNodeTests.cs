using System.Text;
using Slim.Protocol;
using Slim.Session;
using Slim.Testing;

namespace Slim.Client.Tests;

/// <summary>Apps of one service talk through its embedded node: no server, no sockets.</summary>
public sealed class EmbeddedNodeTests : IAsyncLifetime
{
    internal const string Secret = "sdk-tests-shared-secret-0123456789abcdef";

    private readonly CollectingLoggerFactory _log = new();
    private SlimService _service = null!;

    /// <summary>Short timers: a failure shows up in well under a second.</summary>
    internal static SlimSessionConfig FastGroup { get; } = SlimSessionConfig.Group with
    {
        RetryInterval = TimeSpan.FromMilliseconds(100),
        MaxRetries = 4,
    };

    internal static SlimSessionConfig FastPointToPoint { get; } = SlimSessionConfig.PointToPoint with
    {
        RetryInterval = TimeSpan.FromMilliseconds(100),
        MaxRetries = 4,
    };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _service = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _service.DisposeAsync().AsTask().WithTimeout(what: "disposing the service");
        }
        finally
        {
            // Shown only when the test fails.
            TestContext.Current.TestOutputHelper?.WriteLine(_log.Dump());
        }
    }

    [Fact]
    public async Task Point_to_point_messages_carry_payload_type_metadata_and_replies_both_ways()
    {
        var alice = await _service.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret, cancellationToken: Cancellation).WithTimeout();
        var bob = await _service.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret, cancellationToken: Cancellation).WithTimeout();
        Assert.NotEqual(alice.Id, bob.Id);
        Assert.Equal(SlimIds.AppIdFromIdentity(alice.Identity.Id), alice.Id);

        var config = FastPointToPoint with { Metadata = new Dictionary<string, string> { ["topic"] = "weather" } };
        var aliceSession = await alice.CreateSessionAsync(config, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var bobSession = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(aliceSession.Id, bobSession.Id);
        Assert.True(aliceSession.IsInitiator);
        Assert.False(bobSession.IsInitiator);
        Assert.Equal(SlimSessionType.PointToPoint, bobSession.SessionType);
        Assert.Equal("weather", bobSession.Metadata["topic"]);
        Assert.Equal(bob.Name, aliceSession.Destination);
        Assert.Equal(TimeSpan.FromMilliseconds(100), bobSession.RetryInterval);

        await aliceSession.PublishAsync(
            Encoding.UTF8.GetBytes("ping"), "text/plain", new Dictionary<string, string> { ["n"] = "1" }, Cancellation).WithTimeout();
        var ping = await bobSession.GetMessageAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("ping", Encoding.UTF8.GetString(ping.Payload.Span));
        Assert.Equal("text/plain", ping.PayloadType);
        Assert.Equal("1", ping.Metadata["n"]);
        Assert.Equal(alice.Name, ping.Source);

        await bobSession.PublishToAndWaitAsync(ping, Encoding.UTF8.GetBytes("pong"), cancellationToken: Cancellation).WithTimeout();
        var pong = await aliceSession.GetMessageAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("pong", Encoding.UTF8.GetString(pong.Payload.Span));
        Assert.Equal(SlimSession.DefaultPayloadType, pong.PayloadType);
        Assert.Equal(bob.Name, pong.Source);

        var none = await Assert.ThrowsAsync<SlimSessionException>(
            () => aliceSession.GetMessageAsync(TimeSpan.FromMilliseconds(50), Cancellation).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, none.ErrorCode);

        await alice.DeleteSessionAsync(aliceSession, Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await bobSession.Completion.WithTimeout());
        var closed = await Assert.ThrowsAsync<SlimSessionException>(() => bobSession.GetMessageAsync(cancellationToken: Cancellation).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionClosed, closed.ErrorCode);
        Assert.Empty(alice.Sessions);
        _log.AssertNoErrors();
    }

    [Fact]
    public async Task Group_invite_remove_and_delete_complete_with_typed_errors_and_reasons()
    {
        var moderator = await _service.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Cancellation).WithTimeout();
        var p1 = await _service.CreateAppAsync(SlimName.Parse("org/ns/p1"), Secret, cancellationToken: Cancellation).WithTimeout();
        var p2 = await _service.CreateAppAsync(SlimName.Parse("org/ns/p2"), Secret, cancellationToken: Cancellation).WithTimeout();

        var group = await moderator.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/chat"), Cancellation).WithTimeout();
        Assert.Equal(SlimSessionType.Group, group.SessionType);
        await group.InviteAsync(SlimName.Parse("org/ns/p1"), Cancellation).WithTimeout();
        var s1 = await p1.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/p2"), Cancellation).WithTimeout();
        var s2 = await p2.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(
            new[] { moderator.Name, p1.Name, p2.Name }.Select(n => n.ToString()).Order(StringComparer.Ordinal),
            group.GetParticipants().Select(p => p.Name.ToString()).Order(StringComparer.Ordinal));

        var again = await Assert.ThrowsAsync<SlimSessionException>(() => group.InviteAsync(SlimName.Parse("org/ns/p1"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.ParticipantAlreadyInGroup, again.ErrorCode);
        var nobody = await Assert.ThrowsAsync<SlimSessionException>(() => group.RemoveAsync(SlimName.Parse("org/ns/nobody"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.ParticipantNotFound, nobody.ErrorCode);
        var absent = await Assert.ThrowsAsync<SlimSessionException>(() => group.InviteAsync(SlimName.Parse("org/ns/absent"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, absent.ErrorCode);
        var notModerator = await Assert.ThrowsAsync<SlimSessionException>(() => s1.InviteAsync(SlimName.Parse("org/ns/absent"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.NotModerator, notModerator.ErrorCode);

        // A message from each member reaches the other two.
        foreach (var (sender, session) in new[] { ("moderator", group), ("p1", s1), ("p2", s2) })
        {
            await session.PublishAndWaitAsync(Encoding.UTF8.GetBytes($"hi from {sender}"), cancellationToken: Cancellation).WithTimeout();
        }

        Assert.Equal(["hi from p1", "hi from p2"], await TextsAsync(group, 2));
        Assert.Equal(["hi from moderator", "hi from p2"], await TextsAsync(s1, 2));
        Assert.Equal(["hi from moderator", "hi from p1"], await TextsAsync(s2, 2));

        await group.RemoveAsync(SlimName.Parse("org/ns/p2"), Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.Removed, await s2.Completion.WithTimeout());
        Assert.DoesNotContain(group.GetParticipants(), p => p.Name == p2.Name);

        await group.DisposeAsync().AsTask().WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await s1.Completion.WithTimeout());
        _log.AssertNoErrors();
    }

    [Fact]
    public async Task Messages_can_be_read_as_an_async_stream_that_ends_when_the_session_closes()
    {
        var alice = await _service.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret, cancellationToken: Cancellation).WithTimeout();
        var bob = await _service.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret, cancellationToken: Cancellation).WithTimeout();
        var session = await alice.CreateSessionAsync(FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var incoming = await bob.ListenForSessionsAsync(Cancellation).FirstAsync(Cancellation).AsTask().WithTimeout();

        for (var i = 0; i < 20; i++)
        {
            await session.PublishAsync(BitConverter.GetBytes(i), cancellationToken: Cancellation).WithTimeout();
        }

        var reader = Task.Run(async () => await incoming.ReadAllAsync(Cancellation).Select(m => BitConverter.ToInt32(m.Payload.Span)).ToListAsync(Cancellation));
        await session.PublishAndWaitAsync(BitConverter.GetBytes(20), cancellationToken: Cancellation).WithTimeout();
        await session.DeleteAsync(Cancellation).WithTimeout();
        Assert.Equal(Enumerable.Range(0, 21), await reader.WithTimeout());
    }

    [Fact]
    public async Task An_app_answers_invitations_for_an_extra_name_it_subscribed()
    {
        var moderator = await _service.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Cancellation).WithTimeout();
        var worker = await _service.CreateAppAsync(SlimName.Parse("org/ns/worker"), Secret, cancellationToken: Cancellation).WithTimeout();
        var group = await moderator.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/jobs"), Cancellation).WithTimeout();

        var before = await Assert.ThrowsAsync<SlimSessionException>(() => group.InviteAsync(SlimName.Parse("org/ns/any-worker"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, before.ErrorCode);

        await worker.SubscribeAsync(SlimName.Parse("org/ns/any-worker"), cancellationToken: Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/any-worker"), Cancellation).WithTimeout();
        var joined = await worker.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(SlimName.Parse("org/ns/any-worker").WithId(worker.Id), joined.Source);

        await worker.UnsubscribeAsync(SlimName.Parse("org/ns/any-worker"), cancellationToken: Cancellation).WithTimeout();
        var unknown = await Assert.ThrowsAnyAsync<SlimException>(
            () => worker.UnsubscribeAsync(SlimName.Parse("org/ns/never"), cancellationToken: Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.SubscriptionFailed, unknown.ErrorCode);
    }

    [Fact]
    public async Task Disposing_a_participant_app_leaves_its_sessions_and_the_moderator_is_told()
    {
        var moderator = await _service.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Cancellation).WithTimeout();
        var p1 = await _service.CreateAppAsync(SlimName.Parse("org/ns/p1"), Secret, cancellationToken: Cancellation).WithTimeout();
        var p2 = await _service.CreateAppAsync(SlimName.Parse("org/ns/p2"), Secret, cancellationToken: Cancellation).WithTimeout();
        var group = await moderator.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/chat"), Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/p1"), Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/p2"), Cancellation).WithTimeout();
        var s1 = await p1.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();

        await p2.DisposeAsync().AsTask().WithTimeout();
        Assert.DoesNotContain(p2, _service.Apps);
        var left = await group.ReadNotificationsAsync(Cancellation).OfType<ParticipantLeftNotification>().FirstAsync(Cancellation).AsTask().WithTimeout();
        Assert.Equal(p2.Name, left.Participant);
        Assert.True(left.Voluntary);
        var closedApp = await Assert.ThrowsAsync<SlimException>(() => p2.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/x"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.AppClosed, closedApp.ErrorCode);

        await moderator.DisposeAsync().AsTask().WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await s1.Completion.WithTimeout());
    }

    [Fact]
    public async Task An_mls_group_runs_with_the_built_in_mls_and_an_app_that_disabled_it_cannot_be_invited()
    {
        var moderator = await _service.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Cancellation).WithTimeout();
        var member = await _service.CreateAppAsync(SlimName.Parse("org/ns/member"), Secret, cancellationToken: Cancellation).WithTimeout();
        var plain = await _service.CreateAppAsync(
            SlimName.Parse("org/ns/plain"), Secret, new SlimAppOptions { DisableMls = true }, Cancellation).WithTimeout();
        var group = await moderator.CreateSessionAsync(FastGroup with { EnableMls = true }, SlimName.Parse("org/ns/chat"), Cancellation).WithTimeout();

        await group.InviteAsync(SlimName.Parse("org/ns/member"), Cancellation).WithTimeout();
        var joined = await member.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.True(joined.MlsEnabled);
        await joined.PublishAndWaitAsync("encrypted"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("encrypted", Encoding.UTF8.GetString((await group.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()).Payload.Span));

        // An app without MLS does not answer an invitation to an MLS group.
        var refused = await Assert.ThrowsAsync<SlimSessionException>(() => group.InviteAsync(SlimName.Parse("org/ns/plain"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, refused.ErrorCode);
        Assert.Contains(_log.Entries, e => e.EventId.Id == 4023 && e.Message.Contains("group_security_unavailable", StringComparison.Ordinal));
        Assert.Empty(plain.Sessions);

        await group.DeleteAsync(Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await joined.Completion.WithTimeout());
        _log.AssertNoErrors();
    }

    [Fact]
    public async Task Configuration_mistakes_fail_with_clear_typed_errors()
    {
        var shortSecret = await Assert.ThrowsAsync<Slim.Identity.SlimIdentityException>(
            () => _service.CreateAppAsync(SlimName.Parse("org/ns/alice"), "too-short", cancellationToken: Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.IdentitySecretTooShort, shortSecret.ErrorCode);
        Assert.Contains("32 bytes", shortSecret.Message, StringComparison.Ordinal);
        Assert.Empty(_service.Apps);

        await Assert.ThrowsAsync<ArgumentException>(
            () => _service.CreateAppAsync(SlimName.Parse("org/ns/alice").WithId(7), Secret, cancellationToken: Cancellation)).WithTimeout();

        var alice = await _service.CreateAppAsync(
            SlimName.Parse("org/ns/alice"), Secret, new SlimAppOptions { DisableMls = true }, Cancellation).WithTimeout();
        var mls = await Assert.ThrowsAsync<SlimSessionException>(
            () => alice.CreateSessionAsync(SlimSessionConfig.Group with { EnableMls = true }, SlimName.Parse("org/ns/chat"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.GroupSecurityUnavailable, mls.ErrorCode);
        Assert.Contains("DisableMls", mls.Message, StringComparison.Ordinal);

        var route = await Assert.ThrowsAsync<SlimException>(() => alice.SetRouteAsync(SlimName.Parse("org/ns/bob"), cancellationToken: Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.NotConnected, route.ErrorCode);

        var invalid = await Assert.ThrowsAsync<SlimSessionException>(
            () => alice.CreateSessionAsync(SlimSessionConfig.PointToPoint with { MaxRetries = -1 }, SlimName.Parse("org/ns/bob"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.InvalidSessionConfig, invalid.ErrorCode);

        var timeout = await Assert.ThrowsAsync<SlimSessionException>(
            () => alice.ListenForSessionAsync(TimeSpan.FromMilliseconds(20), Cancellation).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, timeout.ErrorCode);
    }

    private static async Task<string[]> TextsAsync(SlimSession session, int count)
    {
        var texts = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = await session.GetMessageAsync(cancellationToken: Cancellation).WithTimeout();
            texts.Add(Encoding.UTF8.GetString(message.Payload.Span));
        }

        return [.. texts.Order(StringComparer.Ordinal)];
    }
}
