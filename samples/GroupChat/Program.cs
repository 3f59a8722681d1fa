using System.CommandLine;
using Slim.Client;
using Slim.Protocol;

namespace GroupChat;

/// <summary>
/// SLIM group chat, with the flags of the official group example. Run with no arguments (or <c>--demo</c>) for a
/// one-command demo on an embedded node; otherwise it is one member of a chat through a SLIM node.
/// </summary>
internal static class Program
{
    /// <summary>A development secret (at least 32 bytes, as SLIM requires). Use your own with --shared-secret.</summary>
    internal const string DefaultSecret = "slim-dotnet-group-chat-demo-secret-change-me";

    public static async Task<int> Main(string[] args)
    {
        var local = new Option<string?>("--local") { Description = "This app's name, org/namespace/app (for example agntcy/ns/client-1)." };
        var slim = new Option<string?>("--slim")
        {
            Description = "The node as an official client configuration in JSON, e.g. '{\"endpoint\": \"http://127.0.0.1:46357\", \"tls\": {\"insecure\": true}}'.",
        };
        var server = new Option<string?>("--server") { Description = "The node's endpoint, e.g. http://127.0.0.1:46357 (the default when neither --slim nor --server is given)." };
        var secret = new Option<string>("--shared-secret")
        {
            Description = "The secret every member shares (at least 32 bytes).",
            DefaultValueFactory = _ => DefaultSecret,
        };
        var remote = new Option<string?>("--remote") { Description = "The group channel name (moderator), e.g. agntcy/ns/chat." };
        var invites = new Option<string[]>("--invites") { Description = "A member to invite (repeatable; moderator)." };
        var enableMls = new Option<bool>("--enable-mls") { Description = "Encrypt the group end to end with MLS (moderator)." };
        var demo = new Option<bool>("--demo") { Description = "Run the one-process demo on an embedded node (also the default without arguments)." };

        var root = new RootCommand(
            "SLIM group chat. The moderator (--remote and --invites) creates the group and invites members; the others " +
            "wait for an invitation (and join MLS groups too). Without arguments: a demo with a moderator and two members on an " +
            "embedded node, encrypted with MLS.")
        {
            local, slim, server, secret, remote, invites, enableMls, demo,
        };

        root.SetAction(async (parse, cancellationToken) =>
        {
            var localName = parse.GetValue(local);
            var mls = parse.GetValue(enableMls);
            if (parse.GetValue(demo) || (localName is null && args.Length == 0))
            {
                return await Demo.RunAsync(Console.Out, cancellationToken).ConfigureAwait(false);
            }

            if (localName is null || !SlimName.TryParse(localName, out var name) || !name.IsAnyInstance)
            {
                await Console.Error.WriteLineAsync("--local org/namespace/app is required (or run with --demo).").ConfigureAwait(false);
                return 2;
            }

            SlimConnectionOptions connection;
            try
            {
                connection = parse.GetValue(slim) is { } json ? SlimConnectionOptions.FromJson(json)
                    : SlimConnectionOptions.ForEndpoint(parse.GetValue(server) ?? SlimConnectionOptions.Default.Endpoint);
                connection.Validate();
            }
            catch (SlimException ex)
            {
                await Console.Error.WriteLineAsync($"Invalid node configuration: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            var channel = parse.GetValue(remote);
            var members = parse.GetValue(invites) ?? [];
            SlimName? group = null;
            if (channel is not null && members.Length > 0)
            {
                if (!SlimName.TryParse(channel, out var parsed) || !parsed.IsAnyInstance)
                {
                    await Console.Error.WriteLineAsync($"--remote {channel} is not a name of the form org/namespace/channel.").ConfigureAwait(false);
                    return 2;
                }

                group = parsed;
            }
            else if (channel is not null || members.Length > 0)
            {
                await Console.Error.WriteLineAsync("A moderator needs both --remote and --invites; give neither to wait for an invitation.").ConfigureAwait(false);
                return 2;
            }

            if (mls && group is null)
            {
                await Console.Error.WriteLineAsync(
                    "--enable-mls is the moderator's choice (with --remote and --invites); members join MLS groups without it.").ConfigureAwait(false);
                return 2;
            }

            var chat = new ChatOptions(name, connection, parse.GetValue(secret)!, group, [.. members], mls);
            return await Chat.RunAsync(chat, Console.In, Console.Out, cancellationToken).ConfigureAwait(false);
        });

        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
