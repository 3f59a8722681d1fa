using Slim.Interop.Tests.OurSdk;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// MLS groups mixing our SDK apps and official apps in one group, on an official strict node, with the header-integrity
/// check at 100 % on every member: each side processes the other's KeyPackages, Welcomes, trees, commits and
/// application messages, with an official or our member on both sides of every commit and Welcome. Our MLS epochs are
/// checked after every commit, and our apps log no warning.
/// </summary>
public sealed class MlsInteropTests : IClassFixture<OfficialStrictNodeFixture>, IAsyncDisposable
{
    private readonly InteropScenario _scenario;

    public MlsInteropTests(OfficialStrictNodeFixture node)
    {
        _scenario = new InteropScenario(node.Node);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public async Task Our_participant_follows_an_official_moderator_beside_an_official_member()
    {
        var apps = await Task.WhenAll(
            _scenario.StartAppAsync(OfficialAppFactory.Instance, "moderator", Ct),
            _scenario.StartAppAsync(OurAppFactory.Instance, "ours", Ct),
            _scenario.StartAppAsync(OfficialAppFactory.Instance, "theirs", Ct)).WithTimeout(what: "starting the apps");
        var (moderator, ours, theirs) = (apps[0], (OurApp)apps[1], apps[2]);
        await moderator.SetRouteAsync(ours.Name, Ct).WithTimeout();
        await moderator.SetRouteAsync(theirs.Name, Ct).WithTimeout();
        var group = await moderator.CreateSessionAsync(_scenario.NameOf("chat"), TestSessionOptions.Group(mls: true), Ct).WithTimeout();

        // Our KeyPackage is accepted and we join from the official Welcome (epoch 1).
        await group.InviteAsync(ours.Name, Ct).WithTimeout(what: "inviting our app");
        var ourSession = await ours.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();
        Assert.True(ours.Mls(ourSession.SessionId).HasGroup);
        Assert.Equal(1ul, ours.Mls(ourSession.SessionId).Epoch);

        // The official commit adding the official member is applied (epoch 2); that member joined a tree holding our leaf.
        await group.InviteAsync(theirs.Name, Ct).WithTimeout(what: "inviting the official member");
        var theirSession = await theirs.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal(2ul, ours.Mls(ourSession.SessionId).Epoch);

        // Application messages every way.
        var parties = new (IAppUnderTest App, ISessionUnderTest Session)[] { (moderator, group), (ours, ourSession), (theirs, theirSession) };
        foreach (var (sender, session) in parties)
        {
            await session.PublishTextAsync($"epoch 2 from {sender.Name}", cancellationToken: Ct).WithTimeout(what: $"{sender.Name} publishing");
            foreach (var (receiver, receiving) in parties.Where(p => p.App != sender))
            {
                var message = await receiving.WaitForTextAsync($"epoch 2 from {sender.Name}", cancellationToken: Ct).WithTimeout(what: $"{receiver.Name} receiving");
                Assert.Equal(sender.Id, message.SourceId);
            }
        }

        // A direct reply from the official member to us.
        var fromUs = theirSession.ReceivedMessages.Single(m => m.SourceId == ours.Id);
        await theirSession.PublishTextToAsync(fromUs, "only for you", cancellationToken: Ct).WithTimeout();
        await ourSession.WaitForTextAsync("only for you", cancellationToken: Ct).WithTimeout();

        // The official member is removed: we apply the remove commit (with path) and keep reading the moderator.
        await group.RemoveAsync(theirs.Name, Ct).WithTimeout(what: "removing the official member");
        await theirSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal(3ul, ours.Mls(ourSession.SessionId).Epoch);
        await group.PublishTextAsync("epoch 3", cancellationToken: Ct).WithTimeout();
        await ourSession.WaitForTextAsync("epoch 3", cancellationToken: Ct).WithTimeout();
        await ourSession.PublishTextAsync("still here", cancellationToken: Ct).WithTimeout();
        await group.WaitForTextAsync("still here", cancellationToken: Ct).WithTimeout();

        // Deleted by the moderator: we are told.
        await group.DeleteAsync(Ct).WithTimeout();
        Assert.Equal("ClosedByModerator", (await ourSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout()).Reason);
        Assert.Empty(ours.Warnings);
    }

    [Fact]
    public async Task An_official_member_follows_our_moderator_beside_one_of_our_members()
    {
        var apps = await Task.WhenAll(
            _scenario.StartAppAsync(OurAppFactory.Instance, "moderator", Ct),
            _scenario.StartAppAsync(OfficialAppFactory.Instance, "theirs", Ct),
            _scenario.StartAppAsync(OurAppFactory.Instance, "ours", Ct)).WithTimeout(what: "starting the apps");
        var (moderator, theirs, ours) = ((OurApp)apps[0], apps[1], (OurApp)apps[2]);
        var group = await moderator.CreateSessionAsync(_scenario.NameOf("chat"), TestSessionOptions.Group(mls: true), Ct).WithTimeout();

        // The official app joins from our Welcome, then applies our commit adding our member, who joins a tree holding
        // the official leaf.
        await group.InviteAsync(theirs.Name, Ct).WithTimeout(what: "inviting the official member");
        var theirSession = await theirs.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();
        await group.InviteAsync(ours.Name, Ct).WithTimeout(what: "inviting our member");
        var ourSession = await ours.WaitForSessionAsync(cancellationToken: Ct).WithTimeout();
        Assert.Equal(2ul, moderator.Mls(group.SessionId).Epoch);
        Assert.Equal(2ul, ours.Mls(ourSession.SessionId).Epoch);

        var parties = new (IAppUnderTest App, ISessionUnderTest Session)[] { (moderator, group), (theirs, theirSession), (ours, ourSession) };
        foreach (var (sender, session) in parties)
        {
            await session.PublishTextAsync($"hello from {sender.Name}", cancellationToken: Ct).WithTimeout(what: $"{sender.Name} publishing");
            foreach (var (receiver, receiving) in parties.Where(p => p.App != sender))
            {
                var message = await receiving.WaitForTextAsync($"hello from {sender.Name}", cancellationToken: Ct).WithTimeout(what: $"{receiver.Name} receiving");
                Assert.Equal(sender.Id, message.SourceId);
            }
        }

        // We remove our own member: the official app applies our remove commit (with path) and still reads us.
        await group.RemoveAsync(ours.Name, Ct).WithTimeout(what: "removing our member");
        Assert.Equal("Removed", (await ourSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout()).Reason);
        Assert.Equal(3ul, moderator.Mls(group.SessionId).Epoch);
        await group.PublishTextAsync("epoch 3", cancellationToken: Ct).WithTimeout();
        await theirSession.WaitForTextAsync("epoch 3", cancellationToken: Ct).WithTimeout();
        await theirSession.PublishTextAsync("read you", cancellationToken: Ct).WithTimeout();
        await group.WaitForTextAsync("read you", cancellationToken: Ct).WithTimeout();

        await group.DeleteAsync(Ct).WithTimeout();
        await theirSession.WaitForClosedAsync(cancellationToken: Ct).WithTimeout();
        Assert.Empty(moderator.Warnings);
        Assert.Empty(ours.Warnings);
    }
}
