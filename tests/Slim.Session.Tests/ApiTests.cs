using Slim.Protocol;
using Slim.Session.Tests.Fakes;
using Slim.Testing;

namespace Slim.Session.Tests;

public sealed class ApiTests
{
    [Fact]
    public async Task Listening_and_receiving_time_out_on_the_layers_clock()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");

        var listening = bob.Layer.ListenForSessionAsync(TimeSpan.FromSeconds(5)).AsTask();
        await net.AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.False(listening.IsCompleted);
        net.Time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<SlimSessionException>(() => listening).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, error.ErrorCode);

        var session = await net.RunAsync(alice.Layer.CreateSessionAsync(SessionConfig.Default, bob.Prefix));
        var receiving = session.GetMessageAsync(TimeSpan.FromSeconds(2)).AsTask();
        net.Time.Advance(TimeSpan.FromSeconds(2));
        error = await Assert.ThrowsAsync<SlimSessionException>(() => receiving).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, error.ErrorCode);
    }

    [Fact]
    public async Task Session_metadata_reaches_participants_and_settings_are_exposed()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        var config = SessionConfig.ForPointToPoint(TimeSpan.FromMilliseconds(250), 7) with
        {
            Metadata = new Dictionary<string, string> { ["topic"] = "weather" },
        };

        var session = await net.RunAsync(alice.Layer.CreateSessionAsync(config, bob.Prefix));
        var joined = await bob.Layer.ListenForSessionAsync().WithTimeout();
        Assert.Equal("weather", joined.Metadata["topic"]);
        Assert.Equal("weather", session.Metadata["topic"]);
        Assert.Equal(TimeSpan.FromMilliseconds(250), joined.Interval);
        Assert.Equal(7, joined.MaxRetries);
        Assert.Same(joined, bob.Layer.GetSession(joined.Id));
        Assert.Contains(joined, bob.Layer.Sessions);
        Assert.Equal(2, joined.Participants.Count);
        Assert.Single(joined.Participants, p => p.IsLocal && p.Name == bob.Name);
        Assert.Single(joined.Participants, p => p.IsModerator && p.Name == alice.Name);
    }

    [Fact]
    public void Invalid_configurations_are_refused()
    {
        Assert.Equal(SlimErrorCode.InvalidSessionConfig, Assert.Throws<SlimSessionException>(() => (SessionConfig.Default with { Interval = TimeSpan.Zero }).Validate()).ErrorCode);
        Assert.Equal(SlimErrorCode.InvalidSessionConfig, Assert.Throws<SlimSessionException>(() => (SessionConfig.Default with { MaxRetries = -1 }).Validate()).ErrorCode);
        Assert.Equal(SlimErrorCode.InvalidSessionConfig, Assert.Throws<SlimSessionException>(() => (SessionConfig.Default with { HeaderIntegrityValidationPercent = 101 }).Validate()).ErrorCode);
        Assert.Equal(SlimErrorCode.InvalidSessionConfig, Assert.Throws<SlimSessionException>(() => (SessionConfig.Default with { Kind = (SessionKind)9 }).Validate()).ErrorCode);
        SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 3).Validate();
    }

    [Fact]
    public async Task Mls_sessions_need_a_group_security_implementation()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var error = await Assert.ThrowsAsync<SlimSessionException>(() => alice.Layer.CreateSessionAsync(
            SessionConfig.ForGroup(TimeSpan.FromSeconds(1), 3, mlsEnabled: true), SlimName.Parse("org/ns/chat"))).WithTimeout();
        Assert.Equal(SlimErrorCode.GroupSecurityUnavailable, error.ErrorCode);
    }

    [Fact]
    public async Task Disposing_the_layer_ends_its_sessions_and_listeners()
    {
        await using var net = new SessionTestNetwork();
        var alice = net.AddApp("org/ns/alice");
        var bob = net.AddApp("org/ns/bob");
        var session = await net.RunAsync(alice.Layer.CreateSessionAsync(SessionConfig.Default, bob.Prefix));
        var listening = alice.Layer.ListenForSessionAsync().AsTask();

        await alice.Layer.DisposeAsync().AsTask().WithTimeout();
        Assert.Equal(SessionCloseReason.LayerDisposed, await session.Completion.WithTimeout());
        Assert.Equal(SlimErrorCode.SessionClosed, (await Assert.ThrowsAsync<SlimSessionException>(() => listening).WithTimeout()).ErrorCode);
        var closed = await Assert.ThrowsAsync<SlimSessionException>(() => alice.Layer.CreateSessionAsync(SessionConfig.Default, bob.Prefix)).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionClosed, closed.ErrorCode);
    }
}
