using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Slim.Client;
using Slim.Identity;
using Slim.Protocol;
using Slim.Session;

namespace GroupChat;

/// <summary>What one chat member runs with.</summary>
/// <param name="Local">This app's name.</param>
/// <param name="Connection">The node.</param>
/// <param name="Secret">The shared secret.</param>
/// <param name="Channel">The group channel when this app is the moderator; null to wait for an invitation.</param>
/// <param name="Invites">The members the moderator invites at start.</param>
/// <param name="EnableMls">The moderator encrypts the group with MLS.</param>
internal sealed record ChatOptions(
    SlimName Local, SlimConnectionOptions Connection, string Secret, SlimName? Channel, IReadOnlyList<string> Invites, bool EnableMls)
{
    public bool IsModerator => Channel is not null;
}

/// <summary>One interactive member of a group chat through a SLIM node: the moderator or a participant.</summary>
internal static class Chat
{
    public static async Task<int> RunAsync(ChatOptions options, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        var console = new ChatConsole(output, $"{options.Local} > ", interactive: ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
        await using var service = new SlimService();
        SlimApp app;
        try
        {
            await service.ConnectAsync(options.Connection, cancellationToken).ConfigureAwait(false);
            app = await service.CreateAppAsync(options.Local, options.Secret, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SlimIdentityException ex)
        {
            console.Line($"Cannot create the app: {ex.Message}");
            return 2;
        }
        catch (SlimException ex)
        {
            console.Line($"Cannot reach the SLIM node at {options.Connection.Endpoint}: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }

        SlimSession session;
        try
        {
            if (options.Channel is { } channel)
            {
                session = await app.CreateSessionAsync(
                    SlimSessionConfig.Group with { EnableMls = options.EnableMls }, channel, cancellationToken).ConfigureAwait(false);
                console.Line($"Created the group {channel}{(options.EnableMls ? ", encrypted with MLS" : string.Empty)}.");
                foreach (var member in options.Invites)
                {
                    await InviteAsync(session, member, console, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                console.Line($"{options.Local} is waiting for an invitation...");
                session = await app.ListenForSessionAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                console.Line($"Joined the group {session.Destination.ToString("P")}{(session.MlsEnabled ? ", encrypted with MLS" : string.Empty)}.");
            }
        }
        catch (OperationCanceledException)
        {
            return 1;
        }

        console.Line(ChatText.Welcome(session.Destination.ToString("P"), options.Local.ToString(), options.IsModerator));
        var receiving = Task.Run(() => PrintMessagesAsync(session, console), CancellationToken.None);
        var watching = Task.Run(() => PrintNotificationsAsync(session, console), CancellationToken.None);
        var lines = ReadLines(input);
        var code = await ConverseAsync(session, lines, console, options, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(receiving, watching).ConfigureAwait(false);
        return code;
    }

    private static async Task<int> ConverseAsync(
        SlimSession session, ChannelReader<string> lines, ChatConsole console, ChatOptions options, CancellationToken cancellationToken)
    {
        while (true)
        {
            console.Prompt();
            var next = lines.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(next, session.Completion).ConfigureAwait(false);

            if (session.Completion.IsCompleted)
            {
                console.Line(ChatText.Closed(await session.Completion.ConfigureAwait(false), options.IsModerator), last: true);
                return 0;
            }

            bool more;
            try
            {
                more = await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                more = false;
            }

            if (!more || !lines.TryRead(out var line))
            {
                // End of input or Ctrl+C: leave as "exit" does.
                return await LeaveAsync(session, console, options.IsModerator).ConfigureAwait(false);
            }

            console.InputReceived();
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var (command, argument) = Split(line);
            switch (command)
            {
                case "exit" or "quit" when argument.Length == 0:
                    return await LeaveAsync(session, console, options.IsModerator).ConfigureAwait(false);
                case "invite" or "remove" when !options.IsModerator:
                    console.Line("Only the moderator can invite or remove members.");
                    break;
                case "invite":
                    await InviteAsync(session, argument, console, cancellationToken).ConfigureAwait(false);
                    break;
                case "remove":
                    await RemoveAsync(session, argument, console, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    try
                    {
                        await session.PublishAsync(Encoding.UTF8.GetBytes(line), "text/plain", cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (SlimException ex)
                    {
                        console.Line($"Not sent: {ex.Message}");
                    }

                    break;
            }
        }
    }

    private static async Task<int> LeaveAsync(SlimSession session, ChatConsole console, bool moderator)
    {
        try
        {
            await session.DeleteAsync().ConfigureAwait(false);
            console.Line(moderator ? "You deleted the group. Bye!" : "You left the group. Bye!", last: true);
        }
        catch (SlimException ex)
        {
            console.Line($"The group is closed ({ex.Message}). Bye!", last: true);
        }

        return 0;
    }

    private static async Task InviteAsync(SlimSession session, string member, ChatConsole console, CancellationToken cancellationToken)
    {
        if (!SlimName.TryParse(member, out var name) || !name.IsAnyInstance)
        {
            console.Line($"'{member}' is not a name of the form org/namespace/app.");
            return;
        }

        try
        {
            await session.InviteAsync(name, cancellationToken).ConfigureAwait(false);
            console.Line($"{name} joined the group.");
        }
        catch (SlimSessionException ex)
        {
            console.Line($"Could not invite {name}: {ChatText.Describe(ex)}");
        }
    }

    private static async Task RemoveAsync(SlimSession session, string member, ChatConsole console, CancellationToken cancellationToken)
    {
        if (!SlimName.TryParse(member, out var name))
        {
            console.Line($"'{member}' is not a name of the form org/namespace/app.");
            return;
        }

        try
        {
            await session.RemoveAsync(name, cancellationToken).ConfigureAwait(false);
            console.Line($"{name} was removed from the group.");
        }
        catch (SlimSessionException ex)
        {
            console.Line($"Could not remove {name}: {ChatText.Describe(ex)}");
        }
    }

    private static async Task PrintMessagesAsync(SlimSession session, ChatConsole console)
    {
        await foreach (var message in session.ReadAllAsync().ConfigureAwait(false))
        {
            console.Line(ChatText.Message(message));
        }
    }

    private static async Task PrintNotificationsAsync(SlimSession session, ChatConsole console)
    {
        await foreach (var notification in session.ReadNotificationsAsync().ConfigureAwait(false))
        {
            switch (notification)
            {
                case ParticipantLeftNotification { Voluntary: true } left:
                    console.Line($"{left.Participant.ToString("P")} left the group.");
                    break;
                case ParticipantStatusNotification { Status: ParticipantStatus.Offline } offline:
                    console.Line($"{offline.Participant.ToString("P")} is not answering (offline).");
                    break;
                case MessageLostNotification lost:
                    console.Line($"{lost.Count} message(s) from {lost.Source.ToString("P")} could not be recovered.");
                    break;
            }
        }
    }

    /// <summary>Lines from the input, read on their own thread (a console read cannot be cancelled).</summary>
    private static ChannelReader<string> ReadLines(TextReader input)
    {
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var thread = new Thread(() =>
        {
            while (input.ReadLine() is { } line)
            {
                lines.Writer.TryWrite(line);
            }

            lines.Writer.TryComplete();
        })
        {
            IsBackground = true,
            Name = "chat input",
        };
        thread.Start();
        return lines.Reader;
    }

    private static (string Command, string Argument) Split(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? (line.ToLowerInvariant(), string.Empty)
            : (line[..space].ToLowerInvariant(), line[(space + 1)..].Trim());
    }
}

/// <summary>Writes chat lines without tearing the prompt apart.</summary>
internal sealed class ChatConsole(TextWriter output, string prompt, bool interactive)
{
    private readonly Lock _gate = new();
    private bool _promptShown;

    public void Prompt()
    {
        lock (_gate)
        {
            output.Write(prompt);
            output.Flush();
            _promptShown = true;
        }
    }

    /// <summary>A line was read: the prompt line is finished (a terminal echoed the Enter; a pipe did not).</summary>
    public void InputReceived()
    {
        lock (_gate)
        {
            if (_promptShown && !interactive)
            {
                output.WriteLine();
                output.Flush();
            }

            _promptShown = false;
        }
    }

    /// <summary>Prints a line above the prompt; <paramref name="last"/> for the final line (no prompt after it).</summary>
    public void Line(string text, bool last = false)
    {
        lock (_gate)
        {
            if (_promptShown)
            {
                // On a terminal, erase the prompt; in a pipe, end its line.
                output.Write(interactive ? "\r\u001b[K" : Environment.NewLine);
            }

            output.WriteLine(text);
            if (last)
            {
                _promptShown = false;
            }
            else if (_promptShown)
            {
                output.Write(prompt);
            }

            output.Flush();
        }
    }
}

/// <summary>The texts the chat and the demo print, and the app settings they share.</summary>
internal static class ChatText
{
    public static string Welcome(string group, string self, bool moderator)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Welcome to the group {group}, {self}!")
            .AppendLine("  Type a message and press Enter to send it to everyone.");
        if (moderator)
        {
            text.AppendLine("  invite NAME   add a member (org/namespace/app)")
                .AppendLine("  remove NAME   remove a member")
                .Append("  exit, quit    delete the group and quit");
        }
        else
        {
            text.Append("  exit, quit    leave the group and quit (only the moderator invites and removes members)");
        }

        return text.ToString();
    }

    public static string Message(SessionMessage message) =>
        $"{message.Source.ToString("P")} > {Encoding.UTF8.GetString(message.Payload.Span)}";

    public static string Closed(SessionCloseReason reason, bool moderator) => reason switch
    {
        SessionCloseReason.Removed => "The moderator removed you from the group. Bye!",
        SessionCloseReason.ClosedByModerator => "The moderator closed the group. Bye!",
        SessionCloseReason.PeerLeft when moderator => "Every member left: the group is closed. Bye!",
        _ => $"The group is closed ({reason}). Bye!",
    };

    public static string Describe(SlimSessionException error) => error.ErrorCode switch
    {
        SlimErrorCode.ParticipantAlreadyInGroup => "already a member.",
        SlimErrorCode.ParticipantNotFound => "not a member.",
        SlimErrorCode.SessionTimeout => "no answer (is it running and connected to the same node?).",
        _ => error.Message,
    };
}
