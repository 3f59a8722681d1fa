using Slim.IntegrationTests.Sdk;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.GroupChat;

/// <summary>
/// The group chat sample used as a person would: separate processes with typed input, through our node.
/// </summary>
public sealed class GroupChatProcessTests : IAsyncDisposable
{
    private const string Secret = "group-chat-process-test-secret-0123456789";

    private readonly List<ChatProcess> _processes = [];
    private SlimNodeHost? _node;

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(process.Transcript());
            await process.DisposeAsync();
        }

        if (_node is not null)
        {
            await _node.StopAsync().WithTimeout(what: "stopping the node");
        }
    }

    [Fact]
    public async Task A_moderator_and_members_chat_in_an_mls_group_invite_remove_leave_and_close_through_a_node()
    {
        _node = await OurNode.StartAsync();
        var client1 = await StartMemberAsync("org/ns/client-1", "--server", _node.Endpoint());
        var client2 = await StartMemberAsync("org/ns/client-2", "--slim", $$$"""{"endpoint": "{{{_node.Endpoint()}}}", "tls": {"insecure": true}}""");

        var moderator = Start(
            "moderator",
            "--local", "org/ns/moderator", "--server", _node.Endpoint(), "--shared-secret", Secret,
            "--remote", "org/ns/chat", "--invites", "org/ns/client-1", "--invites", "org/ns/client-2", "--enable-mls");
        await moderator.WaitForLineAsync("Created the group org/ns/chat, encrypted with MLS.").WithTimeout();
        await moderator.WaitForLineAsync("org/ns/client-1 joined the group.").WithTimeout();
        await moderator.WaitForLineAsync("org/ns/client-2 joined the group.").WithTimeout();
        await moderator.WaitForLineAsync(l => l.StartsWith("Welcome to the group org/ns/chat, org/ns/moderator", StringComparison.Ordinal), "welcome").WithTimeout();
        await moderator.WaitForLineAsync(l => l.Contains("invite NAME", StringComparison.Ordinal), "listing the commands").WithTimeout();
        await client1.WaitForLineAsync("Joined the group org/ns/chat, encrypted with MLS.").WithTimeout();
        await client2.WaitForLineAsync("Joined the group org/ns/chat, encrypted with MLS.").WithTimeout();

        // Messages both ways.
        await moderator.SendAsync("hello from the moderator");
        await client1.WaitForLineAsync("org/ns/moderator > hello from the moderator").WithTimeout();
        await client2.WaitForLineAsync("org/ns/moderator > hello from the moderator").WithTimeout();
        Assert.Contains("org/ns/client-1 > ", client1.Lines); // the prompt, ended by the incoming message
        await client1.SendAsync("hi from client-1");
        await moderator.WaitForLineAsync("org/ns/client-1 > hi from client-1").WithTimeout();
        await client2.WaitForLineAsync("org/ns/client-1 > hi from client-1").WithTimeout();

        // Members cannot manage the group.
        await client2.SendAsync("invite org/ns/someone");
        await client2.WaitForLineAsync("Only the moderator can invite or remove members.").WithTimeout();

        // The moderator removes client-2: it says why and exits.
        await moderator.SendAsync("remove org/ns/client-2");
        await moderator.WaitForLineAsync("org/ns/client-2 was removed from the group.").WithTimeout();
        await client2.WaitForLineAsync("The moderator removed you from the group. Bye!").WithTimeout();
        Assert.Equal(0, await client2.WaitForExitAsync().WithTimeout());

        // The moderator invites a newcomer, who gets the next message; an unknown invitee is reported.
        var client3 = await StartMemberAsync("org/ns/client-3", "--server", _node.Endpoint());
        await moderator.SendAsync("invite org/ns/client-3");
        await moderator.WaitForLineAsync("org/ns/client-3 joined the group.").WithTimeout();
        await client3.WaitForLineAsync("Joined the group org/ns/chat, encrypted with MLS.").WithTimeout();
        await moderator.SendAsync("welcome client-3");
        await client3.WaitForLineAsync("org/ns/moderator > welcome client-3").WithTimeout();
        await client1.WaitForLineAsync("org/ns/moderator > welcome client-3").WithTimeout();
        await moderator.SendAsync("invite org/ns/client-1");
        await moderator.WaitForLineAsync("Could not invite org/ns/client-1: already a member.").WithTimeout();

        // A member leaves: the moderator is told.
        await client1.SendAsync("exit");
        await client1.WaitForLineAsync("You left the group. Bye!").WithTimeout();
        Assert.Equal(0, await client1.WaitForExitAsync().WithTimeout());
        await moderator.WaitForLineAsync("org/ns/client-1 left the group.").WithTimeout();

        // The moderator quits: the group is deleted and the last member says why and exits.
        await moderator.SendAsync("quit");
        await moderator.WaitForLineAsync("You deleted the group. Bye!").WithTimeout();
        await client3.WaitForLineAsync("The moderator closed the group. Bye!").WithTimeout();
        Assert.Equal(0, await moderator.WaitForExitAsync().WithTimeout());
        Assert.Equal(0, await client3.WaitForExitAsync().WithTimeout());
    }

    [Fact]
    public async Task Without_arguments_the_demo_runs_a_whole_chat_on_an_embedded_node()
    {
        var demo = Start("demo");
        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)).WithTimeout(TimeSpan.FromSeconds(70)));
        var transcript = demo.Lines;
        Assert.Contains("[moderator] created the group org/demo/chat (MLS)", transcript);
        Assert.Contains("[alice] received  org/demo/moderator > Welcome, alice!", transcript);
        Assert.Contains("[moderator] received  org/demo/alice > Hi! Glad to be here.", transcript);
        Assert.Contains("[moderator] invite org/demo/bob: joined", transcript);
        Assert.Contains("[alice] received  org/demo/bob > Hello everyone.", transcript);
        Assert.Contains("[alice] The moderator removed you from the group. Bye!", transcript);
        Assert.Contains("[bob] received  org/demo/moderator > Just the two of us now, bob.", transcript);
        Assert.Contains("[bob] The moderator closed the group. Bye!", transcript);
    }

    [Fact]
    public async Task Usage_mistakes_and_a_short_secret_stop_with_a_clear_message_and_a_failure_code()
    {
        var mls = Start("member asking for mls", "--local", "org/ns/client-1", "--enable-mls");
        Assert.Equal(2, await mls.WaitForExitAsync().WithTimeout());
        Assert.Contains("--enable-mls is the moderator's choice", mls.Transcript(), StringComparison.Ordinal);

        _node = await OurNode.StartAsync();
        var shortSecret = Start("short secret", "--local", "org/ns/client-1", "--server", _node.Endpoint(), "--shared-secret", "too-short");
        Assert.Equal(2, await shortSecret.WaitForExitAsync().WithTimeout());
        Assert.Contains(shortSecret.Lines, l => l.Contains("at least 32 bytes", StringComparison.Ordinal));

        var halfModerator = Start("no invites", "--local", "org/ns/moderator", "--remote", "org/ns/chat");
        Assert.Equal(2, await halfModerator.WaitForExitAsync().WithTimeout());
    }

    private async Task<ChatProcess> StartMemberAsync(string name, params string[] node)
    {
        var member = Start(name, ["--local", name, "--shared-secret", Secret, .. node]);
        await member.WaitForLineAsync($"{name} is waiting for an invitation...").WithTimeout();
        return member;
    }

    private ChatProcess Start(string label, params string[] arguments)
    {
        var process = ChatProcess.Start(label, arguments);
        _processes.Add(process);
        return process;
    }
}
