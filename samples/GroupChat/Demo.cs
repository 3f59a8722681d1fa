using System.Text;
using Slim.Client;
using Slim.Protocol;
using Slim.Session;

namespace GroupChat;

/// <summary>
/// The one-command demo: an embedded node (no server) and three apps in this process. The moderator creates a group,
/// invites a member, messages go both ways, a second member is invited, the first is removed, and the group is deleted.
/// Every step waits for its effect, so the transcript is the same on every run.
/// </summary>
internal static class Demo
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout * 4);
        try
        {
            await RunScriptAsync(output, timeout.Token).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is SlimException or OperationCanceledException or TimeoutException)
        {
            await output.WriteLineAsync($"The demo failed: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task RunScriptAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync(
            "SLIM group chat demo: an embedded SLIM node and three apps in this process, no server needed; the group is encrypted with MLS.").ConfigureAwait(false);
        await using var node = new SlimService();
        var moderator = await node.CreateAppAsync(SlimName.Parse("org/demo/moderator"), Program.DefaultSecret, cancellationToken: cancellationToken).ConfigureAwait(false);
        var alice = await node.CreateAppAsync(SlimName.Parse("org/demo/alice"), Program.DefaultSecret, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bob = await node.CreateAppAsync(SlimName.Parse("org/demo/bob"), Program.DefaultSecret, cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Apps: {moderator.Name}, {alice.Name}, {bob.Name}").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);

        var chat = SlimName.Parse("org/demo/chat");
        var group = await moderator.CreateSessionAsync(SlimSessionConfig.Group with { EnableMls = true }, chat, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[moderator] created the group {chat} (MLS)").ConfigureAwait(false);

        await group.InviteAsync(alice.Name.WithoutId(), cancellationToken).ConfigureAwait(false);
        var aliceSession = await alice.ListenForSessionAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[moderator] invite {alice.Name.ToString("P")}: joined").ConfigureAwait(false);

        await SayAsync(output, "moderator", group, "Welcome, alice!", cancellationToken).ConfigureAwait(false);
        await HearAsync(output, "alice", aliceSession, cancellationToken).ConfigureAwait(false);
        await SayAsync(output, "alice", aliceSession, "Hi! Glad to be here.", cancellationToken).ConfigureAwait(false);
        await HearAsync(output, "moderator", group, cancellationToken).ConfigureAwait(false);

        await group.InviteAsync(bob.Name.WithoutId(), cancellationToken).ConfigureAwait(false);
        var bobSession = await bob.ListenForSessionAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[moderator] invite {bob.Name.ToString("P")}: joined").ConfigureAwait(false);
        var members = string.Join(", ", group.GetParticipants().Select(p => p.Name.ToString("P")).Order(StringComparer.Ordinal));
        await output.WriteLineAsync($"[moderator] members: {members}").ConfigureAwait(false);

        await SayAsync(output, "bob", bobSession, "Hello everyone.", cancellationToken).ConfigureAwait(false);
        await HearAsync(output, "alice", aliceSession, cancellationToken).ConfigureAwait(false);
        await HearAsync(output, "moderator", group, cancellationToken).ConfigureAwait(false);

        await group.RemoveAsync(alice.Name.WithoutId(), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[moderator] remove {alice.Name.ToString("P")}: removed").ConfigureAwait(false);
        var aliceEnd = await aliceSession.Completion.WaitAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[alice] {ChatText.Closed(aliceEnd, moderator: false)}").ConfigureAwait(false);

        await SayAsync(output, "moderator", group, "Just the two of us now, bob.", cancellationToken).ConfigureAwait(false);
        await HearAsync(output, "bob", bobSession, cancellationToken).ConfigureAwait(false);

        await group.DeleteAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync("[moderator] exit: the group is deleted").ConfigureAwait(false);
        var bobEnd = await bobSession.Completion.WaitAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[bob] {ChatText.Closed(bobEnd, moderator: false)}").ConfigureAwait(false);

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(
            "Demo finished. Run your own chat through a node: see samples/GroupChat/README.md.").ConfigureAwait(false);
    }

    private static async Task SayAsync(TextWriter output, string who, SlimSession session, string text, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync($"[{who}] {session.Source.ToString("P")} > {text}").ConfigureAwait(false);
        await session.PublishAndWaitAsync(Encoding.UTF8.GetBytes(text), "text/plain", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static async Task HearAsync(TextWriter output, string who, SlimSession session, CancellationToken cancellationToken)
    {
        var message = await session.GetMessageAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"[{who}] received  {ChatText.Message(message)}").ConfigureAwait(false);
    }
}
