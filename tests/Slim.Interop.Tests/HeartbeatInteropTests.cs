using System.Diagnostics;
using Slim.Interop.Tests.Ours;
using Slim.Interop.Tests.OurSdk;
using Slim.Session;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// Heartbeats against the official implementation, live (checklists D and E, heartbeat lines). A group member that
/// sends nothing for 3 heartbeat ticks (10 s each) is marked OFFLINE by the others and gets no more data; an idle member
/// stays online only through its HEARTBEATs (to the control channel, epoch = its MLS epoch). Each scenario lets a group
/// (MLS on, reliable) sit idle until the official side has ticked 3 times since the group was set up, observed as its
/// 3rd HEARTBEAT reaching our app, then checks that data still flows both ways and that neither side shows the other
/// offline.
/// </summary>
/// <remarks>
/// The two scenarios run side by side in one test, on one of our nodes. Each waits about 30 s of protocol time; the
/// runner's conservative parallel algorithm keeps a collection's slot for the whole of a running test, so two such
/// tests in two classes would hold both slots of a 2-core machine for 30 s and stall every other test meanwhile.
/// </remarks>
public sealed class HeartbeatInteropTests : IClassFixture<OurNodeFixture>, IAsyncDisposable
{
    /// <summary>The ticks after which a silent member is marked offline (official and ours).</summary>
    private const int OfflineAfterTicks = 3;

    /// <summary>The session message type as the metrics name it.</summary>
    private const string Heartbeat = "heartbeat";

    /// <summary>The bound on the idle phase: 3 ticks of 10 s, plus room for a late tick and a loaded machine.</summary>
    private static readonly TimeSpan IdleBound = TimeSpan.FromSeconds((OfflineAfterTicks * 10) + 15);

    private readonly OurNodeFixture _node;
    private readonly InteropScenario _ourParticipant;
    private readonly InteropScenario _ourModerator;

    public HeartbeatInteropTests(OurNodeFixture node)
    {
        _node = node;
        _ourParticipant = new InteropScenario(node.Node);
        _ourModerator = new InteropScenario(node.Node);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _ourParticipant.DisposeAsync();
        await _ourModerator.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Idle_group_members_stay_online_across_three_heartbeat_ticks_both_ways()
    {
        var both = Task.WhenAll(
            OurIdleParticipantStaysOnlineForAnOfficialModeratorAsync(_ourParticipant),
            AnIdleOfficialParticipantStaysOnlineForOurModeratorAsync(_ourModerator));
        try
        {
            await both.WithTimeout(IdleBound + TimeSpan.FromSeconds(60), "the two heartbeat scenarios");
        }
        catch (Exception) when (both.Exception is { InnerExceptions.Count: > 1 } all)
        {
            // Both failed: say why for each.
            throw all;
        }
    }

    /// <summary>
    /// Checklist D: our participant of an official moderator sits idle for more than 3 heartbeat ticks; the official
    /// moderator must still count it online and deliver to it.
    /// </summary>
    private async Task OurIdleParticipantStaysOnlineForAnOfficialModeratorAsync(InteropScenario scenario)
    {
        var clock = Stopwatch.StartNew();
        var apps = await Task.WhenAll(
            scenario.StartAppAsync(OfficialAppFactory.Instance, "moderator", Ct),
            scenario.StartAppAsync(OurAppFactory.Instance, "ours", Ct)).WithTimeout(what: "starting the apps");
        var (moderator, ours) = (apps[0], (OurApp)apps[1]);
        await moderator.SetRouteAsync(ours.Name, Ct).WithTimeout();
        var group = await moderator.CreateSessionAsync(scenario.NameOf("chat"), TestSessionOptions.Group(mls: true), Ct).WithTimeout();
        await group.InviteAsync(ours.Name, Ct).WithTimeout(what: "inviting our app");
        var ourSession = (OurSession)await ours.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();

        var idle = await IdleThroughHeartbeatTicksAsync(ours, alsoOurTicks: false);

        // The official moderator still sends us data and awaits our ack (its publish waits for the acks), and takes ours.
        try
        {
            await group.PublishTextAsync("after the idle ticks", cancellationToken: Ct).WithTimeout(what: "the official moderator publishing after the idle ticks");
            await ourSession.WaitForTextAsync("after the idle ticks", cancellationToken: Ct).WithTimeout(what: "our participant receiving after the idle ticks");
        }
        catch (TimeoutException ex)
        {
            var roster = await group.GetParticipantsAsync(Ct).WithTimeout();
            Assert.Fail(
                $"{ex.Message} Our app sent {ours.SessionMessages(TrafficDirection.Sent, Heartbeat)} heartbeats; the official moderator's roster: " +
                string.Join(", ", roster.Select(p => $"{p.Name} {(p.Online ? "online" : "offline")}")));
        }

        await ourSession.PublishTextAsync("still here", cancellationToken: Ct).WithTimeout(what: "our participant publishing after the idle ticks");
        await group.WaitForTextAsync("still here", cancellationToken: Ct).WithTimeout(what: "the official moderator receiving after the idle ticks");

        // Both sides see the other online; our idle ticks sent heartbeats.
        var official = await group.GetParticipantsAsync(Ct).WithTimeout();
        var usThere = Assert.Single(official, p => p.Name == ours.Name);
        Assert.True(usThere.Online, "the official moderator shows our participant offline");
        Assert.All(ourSession.Session.GetParticipants(), p => Assert.Equal(ParticipantStatus.Online, p.Status));
        Assert.True(ours.SessionMessages(TrafficDirection.Sent, Heartbeat) >= OfflineAfterTicks - 1, "our participant sent too few heartbeats");
        AssertNothingWentOffline(ours, ourSession);

        await group.DeleteAsync(Ct).WithTimeout();
        await ourSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout();
        Report("official moderator, our idle participant", idle, ours, clock);
    }

    /// <summary>
    /// Checklist E: an official participant of our moderator sits idle for more than 3 heartbeat ticks of both sides;
    /// our moderator must keep it online, and it must keep reading us.
    /// </summary>
    private async Task AnIdleOfficialParticipantStaysOnlineForOurModeratorAsync(InteropScenario scenario)
    {
        var clock = Stopwatch.StartNew();
        var apps = await Task.WhenAll(
            scenario.StartAppAsync(OurAppFactory.Instance, "moderator", Ct),
            scenario.StartAppAsync(OfficialAppFactory.Instance, "theirs", Ct)).WithTimeout(what: "starting the apps");
        var (moderator, theirs) = ((OurApp)apps[0], apps[1]);
        var group = (OurSession)await moderator.CreateSessionAsync(scenario.NameOf("chat"), TestSessionOptions.Group(mls: true), Ct).WithTimeout();
        await group.InviteAsync(theirs.Name, Ct).WithTimeout(what: "inviting the official app");
        var theirSession = await theirs.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();

        var idle = await IdleThroughHeartbeatTicksAsync(moderator, alsoOurTicks: true);

        await theirSession.PublishTextAsync("after the idle ticks", cancellationToken: Ct).WithTimeout(what: "the official participant publishing after the idle ticks");
        await group.WaitForTextAsync("after the idle ticks", cancellationToken: Ct).WithTimeout(what: "our moderator receiving after the idle ticks");
        await group.PublishTextAsync("still here", cancellationToken: Ct).WithTimeout(what: "our moderator publishing after the idle ticks");
        await theirSession.WaitForTextAsync("still here", cancellationToken: Ct).WithTimeout(what: "the official participant receiving after the idle ticks");

        // Our moderator's roster: everyone online, nothing reported offline or lost. The official side agrees about us.
        var roster = group.Session.GetParticipants();
        Assert.Contains(roster, p => p.Name.ToString("P") == theirs.Name);
        Assert.All(roster, p => Assert.True(p.Status == ParticipantStatus.Online, $"our moderator shows {p.Name} {p.Status}"));
        AssertNothingWentOffline(moderator, group);
        var official = await theirSession.GetParticipantsAsync(Ct).WithTimeout();
        var usThere = Assert.Single(official, p => p.Name == moderator.Name);
        Assert.True(usThere.Online, "the official participant shows our moderator offline");

        await group.DeleteAsync(Ct).WithTimeout();
        await theirSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout();
        Report("our moderator, idle official participant", idle, moderator, clock);
    }

    /// <summary>
    /// The idle phase: nobody publishes until <paramref name="ours"/> has received <see cref="OfflineAfterTicks"/>
    /// HEARTBEATs more than it had when the group was up, i.e. until the official member has ticked that often since
    /// our last message of the setup (and would have marked us offline on its last tick had we been silent). With
    /// <paramref name="alsoOurTicks"/>, it also waits for as many of our own HEARTBEATs (our side's ticks).
    /// </summary>
    private static async Task<TimeSpan> IdleThroughHeartbeatTicksAsync(OurApp ours, bool alsoOurTicks)
    {
        var clock = Stopwatch.StartNew();
        var received = ours.SessionMessages(TrafficDirection.Received, Heartbeat);
        var sent = ours.SessionMessages(TrafficDirection.Sent, Heartbeat);
        var waits = new List<Task>
        {
            ours.WaitForSessionMessageAsync(TrafficDirection.Received, Heartbeat, received + OfflineAfterTicks, IdleBound, Ct),
        };
        if (alsoOurTicks)
        {
            waits.Add(ours.WaitForSessionMessageAsync(TrafficDirection.Sent, Heartbeat, sent + OfflineAfterTicks, IdleBound, Ct));
        }

        await Task.WhenAll(waits).WithTimeout(IdleBound + TimeSpan.FromSeconds(5), $"{OfflineAfterTicks} heartbeat ticks");
        return clock.Elapsed;
    }

    /// <summary>
    /// No offline member, lost message or failed delivery was reported to our app, it logged no warning, and nobody asked
    /// to rejoin (a heartbeat epoch above a participant's own MLS epoch makes it rejoin).
    /// </summary>
    private static void AssertNothingWentOffline(OurApp ours, OurSession session)
    {
        Assert.Equal(0, ours.SessionMessages(TrafficDirection.Sent, "rejoin_request") + ours.SessionMessages(TrafficDirection.Received, "rejoin_request"));
        var notices = session.Notifications
            .Where(n => n is ParticipantStatusNotification or MessageLostNotification or DeliveryFailedNotification)
            .ToList();
        Assert.True(notices.Count == 0, $"{ours.Description} was told: {string.Join("; ", notices)}");
        Assert.True(ours.Warnings.Count == 0, $"{ours.Description} logged: {string.Join(Environment.NewLine, ours.Warnings)}");
    }

    private void Report(string scenario, TimeSpan idle, OurApp ours, Stopwatch clock) =>
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"[timing] {scenario} on {_node.Node.Description}: {clock.Elapsed.TotalSeconds:0.0} s, idle {idle.TotalSeconds:0.0} s; " +
            $"{ours.Description} sent {ours.SessionMessages(TrafficDirection.Sent, Heartbeat)} and received " +
            $"{ours.SessionMessages(TrafficDirection.Received, Heartbeat)} heartbeats");
}
