using System.Diagnostics;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// The interop scenarios, written once against <see cref="INodeUnderTest"/> and <see cref="IAppUnderTest"/>. Each
/// derived class picks the node (its fixture, shared by the class's tests) and may pick where the initiating app and
/// the other apps come from, so "official apps through our node" or "our moderator with official participants" are
/// one small class each.
/// </summary>
public abstract class InteropScenarios<TNode> : IClassFixture<TNode>, IAsyncDisposable
    where TNode : NodeUnderTestFixture
{
    private readonly TNode _fixture;

    /// <summary>Takes the class's node.</summary>
    protected InteropScenarios(TNode fixture)
    {
        _fixture = fixture;
        // Disposed by the test class, after the test: only then does xunit know whether it failed, which decides
        // whether the scenario writes every process's diagnostics to the test output.
        Scenario = new InteropScenario(fixture.Node);
    }

    /// <summary>This test's apps (own name space on the shared node).</summary>
    protected InteropScenario Scenario { get; }

    /// <summary>Where the app that creates each session (P2P initiator, group moderator) comes from.</summary>
    protected virtual IAppFactory Initiators => OfficialAppFactory.Instance;

    /// <summary>Where the other apps come from.</summary>
    protected virtual IAppFactory Participants => OfficialAppFactory.Instance;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>Stops the test's apps; the node lives on for the class's other tests.</summary>
    public async ValueTask DisposeAsync()
    {
        await Scenario.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Point_to_point_request_and_reply_both_ways(bool mls)
    {
        var clock = Stopwatch.StartNew();
        var scenario = Scenario;
        var aliceStart = scenario.StartAppAsync(Initiators, "alice", Cancellation);
        var bobStart = scenario.StartAppAsync(Participants, "bob", Cancellation);
        var alice = await aliceStart.WithTimeout(what: "starting alice");
        var bob = await bobStart.WithTimeout(what: "starting bob");
        var setup = clock.Elapsed;

        await alice.SetRouteAsync(bob.Name, Cancellation).WithTimeout();
        var aliceSession = await alice
            .CreateSessionAsync(bob.Name, TestSessionOptions.PointToPoint(mls), Cancellation)
            .WithTimeout(what: "creating the session");
        var bobSession = await bob.WaitForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(aliceSession.SessionId, bobSession.SessionId);
        Assert.Equal(TestSessionKind.PointToPoint, bobSession.Kind);
        Assert.True(aliceSession.IsInitiator);
        Assert.False(bobSession.IsInitiator);
        var established = clock.Elapsed;

        // alice asks, bob answers.
        var requestOptions = new PublishOptions("text/plain", new Dictionary<string, string> { ["request"] = "1" });
        await aliceSession.PublishTextAsync("ping from alice", requestOptions, Cancellation).WithTimeout();
        var request = await bobSession.WaitForTextAsync("ping from alice", cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(alice.Name, request.Source);
        Assert.Equal(alice.Id, request.SourceId);
        Assert.Equal("text/plain", request.PayloadType);
        Assert.Equal("1", request.Metadata["request"]);
        await bobSession.PublishTextToAsync(request, "pong from bob", cancellationToken: Cancellation).WithTimeout();
        var reply = await aliceSession.WaitForTextAsync("pong from bob", cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(bob.Name, reply.Source);
        Assert.Equal(bob.Id, reply.SourceId);

        // bob asks, alice answers.
        await bobSession.PublishTextAsync("ping from bob", cancellationToken: Cancellation).WithTimeout();
        var reverse = await aliceSession.WaitForTextAsync("ping from bob", cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(bob.Id, reverse.SourceId);
        await aliceSession.PublishTextToAsync(reverse, "pong from alice", cancellationToken: Cancellation).WithTimeout();
        var reverseReply = await bobSession.WaitForTextAsync("pong from alice", cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(alice.Id, reverseReply.SourceId);
        var exchanged = clock.Elapsed;

        await aliceSession.DeleteAsync(Cancellation).WithTimeout(what: "deleting the session");
        await bobSession.WaitForClosedAsync(cancellationToken: Cancellation).WithTimeout(what: "bob learning the session closed");

        Report($"point-to-point, MLS {(mls ? "on" : "off")}", clock, ("apps up", setup), ("session up", established), ("4 messages", exchanged));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Group_moderator_invites_two_removes_one_then_deletes(bool mls)
    {
        var clock = Stopwatch.StartNew();
        var scenario = Scenario;
        var starts = new[]
        {
            scenario.StartAppAsync(Initiators, "moderator", Cancellation),
            scenario.StartAppAsync(Participants, "p1", Cancellation),
            scenario.StartAppAsync(Participants, "p2", Cancellation),
        };
        var apps = await Task.WhenAll(starts).WithTimeout(what: "starting the apps");
        var (moderator, p1, p2) = (apps[0], apps[1], apps[2]);
        var setup = clock.Elapsed;

        await moderator.SetRouteAsync(p1.Name, Cancellation).WithTimeout();
        await moderator.SetRouteAsync(p2.Name, Cancellation).WithTimeout();
        var group = await moderator
            .CreateSessionAsync(scenario.NameOf("chat"), TestSessionOptions.Group(mls), Cancellation)
            .WithTimeout(what: "creating the group");
        await group.InviteAsync(p1.Name, Cancellation).WithTimeout(what: "inviting p1");
        var p1Session = await p1.WaitForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await group.InviteAsync(p2.Name, Cancellation).WithTimeout(what: "inviting p2");
        var p2Session = await p2.WaitForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.All([p1Session, p2Session], s => Assert.Equal(group.SessionId, s.SessionId));
        Assert.All([p1Session, p2Session], s => Assert.Equal(TestSessionKind.Group, s.Kind));
        var members = await group.GetParticipantsAsync(Cancellation).WithTimeout();
        Assert.Contains(members, m => m.Name == p1.Name && m.Id == p1.Id);
        Assert.Contains(members, m => m.Name == p2.Name && m.Id == p2.Id);
        var invited = clock.Elapsed;

        // Every member's message reaches every other member.
        var parties = new (IAppUnderTest App, ISessionUnderTest Session)[] { (moderator, group), (p1, p1Session), (p2, p2Session) };
        foreach (var (sender, senderSession) in parties)
        {
            var text = $"hello from {sender.Name}";
            await senderSession.PublishTextAsync(text, cancellationToken: Cancellation).WithTimeout(what: $"{sender.Name} publishing");
            foreach (var (receiver, receiverSession) in parties.Where(p => p.App != sender))
            {
                var message = await receiverSession.WaitForTextAsync(text, cancellationToken: Cancellation)
                    .WithTimeout(what: $"{receiver.Name} receiving from {sender.Name}");
                Assert.Equal(sender.Id, message.SourceId);
            }
        }

        // A reply reaches its addressee only: p1's next message is the one published after it.
        var fromP2 = group.ReceivedMessages.Single(m => m.SourceId == p2.Id);
        await group.PublishTextToAsync(fromP2, "reply to p2", cancellationToken: Cancellation).WithTimeout();
        await p2Session.WaitForTextAsync("reply to p2", cancellationToken: Cancellation).WithTimeout();
        await group.PublishTextAsync("after the reply", cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("after the reply", (await p1Session.WaitForMessageAsync(cancellationToken: Cancellation).WithTimeout()).Text);
        await p2Session.WaitForTextAsync("after the reply", cancellationToken: Cancellation).WithTimeout();
        var exchanged = clock.Elapsed;

        // The moderator removes p2: p2 is told, the others carry on without it.
        await group.RemoveAsync(p2.Name, Cancellation).WithTimeout(what: "removing p2");
        await p2Session.WaitForClosedAsync(cancellationToken: Cancellation).WithTimeout(what: "p2 learning it was removed");
        members = await group.GetParticipantsAsync(Cancellation).WithTimeout();
        Assert.DoesNotContain(members, m => m.Name == p2.Name);
        Assert.Contains(members, m => m.Name == p1.Name);
        await group.PublishTextAsync("after the removal", cancellationToken: Cancellation).WithTimeout();
        await p1Session.WaitForTextAsync("after the removal", cancellationToken: Cancellation).WithTimeout();
        var removed = clock.Elapsed;

        // The moderator deletes the session: the remaining participant is told.
        await group.DeleteAsync(Cancellation).WithTimeout(what: "deleting the group");
        await p1Session.WaitForClosedAsync(cancellationToken: Cancellation).WithTimeout(what: "p1 learning the group closed");

        Report(
            $"group, MLS {(mls ? "on" : "off")}",
            clock,
            ("apps up", setup),
            ("2 invited", invited),
            ("messages", exchanged),
            ("removed", removed));
    }

    [Fact]
    public async Task Group_participant_leaves_and_the_moderator_is_told()
    {
        var clock = Stopwatch.StartNew();
        var apps = await Task.WhenAll(
                Scenario.StartAppAsync(Initiators, "moderator", Cancellation),
                Scenario.StartAppAsync(Participants, "stays", Cancellation),
                Scenario.StartAppAsync(Participants, "leaves", Cancellation))
            .WithTimeout(what: "starting the apps");
        var (moderator, stays, leaves) = (apps[0], apps[1], apps[2]);
        await moderator.SetRouteAsync(stays.Name, Cancellation).WithTimeout();
        await moderator.SetRouteAsync(leaves.Name, Cancellation).WithTimeout();
        var group = await moderator
            .CreateSessionAsync(Scenario.NameOf("chat"), TestSessionOptions.Group(mls: true), Cancellation)
            .WithTimeout(what: "creating the group");
        await group.InviteAsync(stays.Name, Cancellation).WithTimeout();
        var staysSession = await stays.WaitForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await group.InviteAsync(leaves.Name, Cancellation).WithTimeout();
        var leavesSession = await leaves.WaitForSessionAsync(cancellationToken: Cancellation).WithTimeout();

        await leavesSession.DeleteAsync(Cancellation).WithTimeout(what: "leaving the group");
        await leavesSession.WaitForClosedAsync(cancellationToken: Cancellation).WithTimeout();
        var notice = await group
            .WaitForErrorAsync(e => e.Message.Contains(leaves.Name, StringComparison.Ordinal), cancellationToken: Cancellation)
            .WithTimeout(what: "the moderator learning that a participant left");
        Assert.Contains("disconnected", notice.Message, StringComparison.Ordinal);

        // The group goes on without the leaver.
        await group.PublishTextAsync("after the leave", cancellationToken: Cancellation).WithTimeout();
        await staysSession.WaitForTextAsync("after the leave", cancellationToken: Cancellation).WithTimeout();
        await group.DeleteAsync(Cancellation).WithTimeout();
        await staysSession.WaitForClosedAsync(cancellationToken: Cancellation).WithTimeout();

        Report("group, MLS on, a participant leaves", clock);
    }

    private void Report(string scenario, Stopwatch clock, params (string Step, TimeSpan At)[] steps)
    {
        var total = clock.Elapsed;
        var marks = steps.Length == 0
            ? string.Empty
            : $" ({string.Join(", ", steps.Select(s => $"{s.Step} at {s.At.TotalMilliseconds:0} ms"))})";
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"[timing] {scenario} on {_fixture.Node.Description} ({Initiators.Description} initiator, {Participants.Description} " +
            $"participants): {total.TotalMilliseconds:0} ms{marks}; node started in {_fixture.StartupTime.TotalMilliseconds:0} ms");
    }
}
