using System.Diagnostics;
using System.Text.Json.Nodes;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>The harness itself: errors are answers, not crashes; dead processes fail waits at once; ports in use are reported.</summary>
public sealed class OfficialHarnessTests : IClassFixture<OfficialStrictNodeFixture>, IAsyncDisposable
{
    private readonly OfficialStrictNodeFixture _fixture;
    private readonly InteropScenario _scenario;

    public OfficialHarnessTests(OfficialStrictNodeFixture fixture)
    {
        _fixture = fixture;
        _scenario = new InteropScenario(fixture.Node);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public async Task Unknown_commands_and_failing_calls_are_error_answers_and_the_app_keeps_serving()
    {
        var app = (OfficialApp)await _scenario.StartAppAsync(OfficialAppFactory.Instance, "robust", Cancellation).WithTimeout();

        var unknown = await Assert.ThrowsAsync<InteropCommandException>(
            () => app.SendCommandAsync("no_such_command", null, Cancellation)).WithTimeout();
        Assert.Equal("InvalidCommand", unknown.ErrorType);
        Assert.Contains("no_such_command", unknown.Error, StringComparison.Ordinal);

        var secondApp = await Assert.ThrowsAsync<InteropCommandException>(
            () => app.SendCommandAsync(
                "create_app",
                new JsonObject { ["name"] = _scenario.NameOf("other"), ["secret"] = _scenario.SharedSecret },
                Cancellation)).WithTimeout();
        Assert.Equal("InvalidCommand", secondApp.ErrorType);

        var badName = await Assert.ThrowsAsync<InteropCommandException>(
            () => app.SetRouteAsync("not-a-slim-name", Cancellation)).WithTimeout();
        Assert.Equal("InvalidCommand", badName.ErrorType);

        // A call the official package itself rejects.
        var group = await app.CreateSessionAsync(_scenario.NameOf("chat"), TestSessionOptions.Group(), Cancellation).WithTimeout();
        var notMember = await Assert.ThrowsAsync<InteropCommandException>(
            () => group.RemoveAsync(_scenario.NameOf("nobody"), Cancellation)).WithTimeout();
        Assert.Equal("SessionError", notMember.ErrorType);
        Assert.Contains("not found", notMember.Error, StringComparison.Ordinal);

        Assert.Equal("2.0.0-alpha.10", await app.PingAsync(Cancellation).WithTimeout());
        await group.DeleteAsync(Cancellation).WithTimeout();
    }

    [Fact]
    public async Task Waits_and_commands_fail_at_once_when_the_app_process_dies()
    {
        var app = (OfficialApp)await _scenario.StartAppAsync(OfficialAppFactory.Instance, "doomed", Cancellation).WithTimeout();
        var group = await app.CreateSessionAsync(_scenario.NameOf("chat"), TestSessionOptions.Group(), Cancellation).WithTimeout();
        var wait = group.WaitForMessageAsync(timeout: TimeSpan.FromMinutes(5), cancellationToken: Cancellation);

        using (var process = Process.GetProcessById(app.ProcessId))
        {
            process.Kill();
        }

        var failure = await Assert.ThrowsAsync<InteropHarnessException>(() => wait).WithTimeout(TimeSpan.FromSeconds(10));
        Assert.Contains("exited", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InteropHarnessException>(() => app.PingAsync(Cancellation)).WithTimeout(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_node_on_a_port_already_served_reports_why_it_cannot_start()
    {
        var environment = await OfficialSlim.GetAsync(Cancellation).WithTimeout();
        var failure = await Assert.ThrowsAsync<InteropHarnessException>(
            () => environment.StartNodeAsync(OfficialNodeMode.Strict, _fixture.Node.Endpoint.Port, Cancellation)).WithTimeout();
        Assert.Contains("in use", failure.Message, StringComparison.Ordinal);
    }
}
