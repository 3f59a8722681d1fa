using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Slim.Client;
using Slim.IntegrationTests.Sdk;
using Slim.Identity.Jwt;
using Slim.Protocol;
using Slim.Session;
using Slim.Testing;

namespace Slim.IntegrationTests.Docs;

/// <summary>
/// The code shown in README.md and docs/sdk.md. Each <c>#region doc:</c> block runs as part of a test, and a last test
/// checks that the pages quote every block verbatim, so the documentation cannot drift from code that compiles and
/// works. Snippets read as application code: each test bounds the whole snippet with one timeout.
/// </summary>
public sealed partial class SdkDocSnippets
{
    private const string Secret = "a-secret-of-at-least-32-bytes-shared-by-all-apps";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Quick_start()
    {
        // Fails (times out) unless bob receives alice's message.
        await QuickStartAsync().WithTimeout();

        static async Task QuickStartAsync()
        {
            #region doc:quick-start
            const string secret = "a-secret-of-at-least-32-bytes-shared-by-all-apps";
            await using var slim = new SlimService(); // an embedded node: no server needed
            var alice = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), secret);
            var bob = await slim.CreateAppAsync(SlimName.Parse("org/ns/bob"), secret);

            var session = await alice.CreateSessionAsync(SlimSessionConfig.PointToPoint, SlimName.Parse("org/ns/bob"));
            var incoming = await bob.ListenForSessionAsync();
            await session.PublishAsync("hello bob"u8.ToArray());
            var message = await incoming.GetMessageAsync();
            Console.WriteLine($"{message.Source} > {Encoding.UTF8.GetString(message.Payload.Span)}");
            #endregion
        }
    }

    [Fact]
    public async Task Connecting_to_a_node()
    {
        var node = await OurNode.StartAsync();
        try
        {
            await ConnectAsync(node.Endpoint()).WithTimeout();
        }
        finally
        {
            await node.StopAsync().WithTimeout(what: "stopping the node");
        }

        static async Task ConnectAsync(string endpoint)
        {
            #region doc:connect
            await using var slim = new SlimService(new SlimServiceOptions { LoggerFactory = null /* your ILoggerFactory */ });

            // An endpoint (http:// is clear text, https:// is TLS)...
            var connection = await slim.ConnectAsync(endpoint);
            // ...or an official client configuration: slim.ConnectAsync(SlimConnectionOptions.FromJson(json)).

            connection.StateChanged += (_, change) => Console.WriteLine($"node link: {change.State}");
            var app = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret); // subscribed on the node too
            Console.WriteLine($"{app.Name} is connected through {connection} (reconnects by itself)");
            #endregion
        }
    }

    [Fact]
    public async Task Point_to_point()
    {
        await using var slim = new SlimService();
        var alice = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret, cancellationToken: Ct).WithTimeout();
        var bob = await slim.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret, cancellationToken: Ct).WithTimeout();
        var answering = Task.Run(() => AnswerAsync(bob), Ct);
        Assert.Equal("20 °C", await AskAsync(alice).WithTimeout());
        await answering.WithTimeout();

        static async Task<string> AskAsync(SlimApp alice)
        {
            #region doc:p2p-ask
            var config = SlimSessionConfig.PointToPoint with
            {
                MaxRetries = 5, // reliable: acknowledged, retransmitted, in order (null + null: best effort)
                RetryInterval = TimeSpan.FromMilliseconds(500),
                Metadata = new Dictionary<string, string> { ["topic"] = "weather" },
            };
            await using var session = await alice.CreateSessionAsync(config, SlimName.Parse("org/ns/bob"));
            await session.PublishAndWaitAsync("temperature?"u8.ToArray(), "text/plain");
            var answer = await session.GetMessageAsync(timeout: TimeSpan.FromSeconds(5));
            return Encoding.UTF8.GetString(answer.Payload.Span);
            #endregion
        }

        static async Task AnswerAsync(SlimApp bob)
        {
            #region doc:p2p-answer
            var session = await bob.ListenForSessionAsync();
            Console.WriteLine($"session {session.Id} from {session.Destination}, topic {session.Metadata["topic"]}");
            await foreach (var request in session.ReadAllAsync()) // ends when the session closes
            {
                await session.PublishToAsync(request, "20 °C"u8.ToArray(), "text/plain",
                    new Dictionary<string, string> { ["unit"] = "celsius" });
            }
            #endregion
        }
    }

    [Fact]
    public async Task Group()
    {
        await using var slim = new SlimService();
        var moderator = await slim.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Ct).WithTimeout();
        var p1 = await slim.CreateAppAsync(SlimName.Parse("org/ns/p1"), Secret, cancellationToken: Ct).WithTimeout();
        var p2 = await slim.CreateAppAsync(SlimName.Parse("org/ns/p2"), Secret, cancellationToken: Ct).WithTimeout();
        var members = Task.WhenAll(MemberAsync(p1), MemberAsync(p2));
        await ModerateAsync(moderator).WithTimeout();
        Assert.Equal(
            [SessionCloseReason.ClosedByModerator, SessionCloseReason.Removed],
            (await members.WithTimeout()).Order());

        static async Task ModerateAsync(SlimApp moderator)
        {
            #region doc:group-moderator
            var group = await moderator.CreateSessionAsync(SlimSessionConfig.Group, SlimName.Parse("org/ns/chat"));
            await group.InviteAsync(SlimName.Parse("org/ns/p1")); // completes once p1 joined
            await group.InviteAsync(SlimName.Parse("org/ns/p2"));
            await group.PublishAndWaitAsync("hello group"u8.ToArray()); // every member acknowledged it
            foreach (var member in group.GetParticipants())
            {
                Console.WriteLine($"{member.Name} {member.Status}{(member.IsModerator ? " (moderator)" : "")}");
            }

            await group.RemoveAsync(SlimName.Parse("org/ns/p2")); // p2 is told, its session closes
            await group.DeleteAsync();                            // everyone else is told
            #endregion
        }

        static async Task<SessionCloseReason> MemberAsync(SlimApp member)
        {
            #region doc:group-member
            var group = await member.ListenForSessionAsync();
            var hello = await group.GetMessageAsync();
            Console.WriteLine($"{hello.Source} > {Encoding.UTF8.GetString(hello.Payload.Span)}");
            var reason = await group.Completion; // Removed, ClosedByModerator, ...
            #endregion
            return reason;
        }
    }

    [Fact]
    public async Task Errors()
    {
        await using var slim = new SlimService();
        var moderator = await slim.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Ct).WithTimeout();
        var group = await moderator.CreateSessionAsync(SlimSessionConfig.Group with { RetryInterval = TimeSpan.FromMilliseconds(50) }, SlimName.Parse("org/ns/chat"), Ct).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, await InviteAsync(group).WithTimeout());

        static async Task<SlimErrorCode> InviteAsync(SlimSession group)
        {
            #region doc:errors
            try
            {
                await group.InviteAsync(SlimName.Parse("org/ns/nobody"));
            }
            catch (SlimSessionException ex) when (ex.ErrorCode == SlimErrorCode.SessionTimeout)
            {
                Console.WriteLine("nobody answered the invitation"); // no such app, or not connected to this node
                return ex.ErrorCode;
            }
            #endregion
            return SlimErrorCode.Unspecified;
        }
    }

    [Fact]
    public async Task Notifications()
    {
        await using var slim = new SlimService();
        var alice = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret, cancellationToken: Ct).WithTimeout();
        var bob = await slim.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret, cancellationToken: Ct).WithTimeout();
        var session = await alice.CreateSessionAsync(SlimSessionConfig.PointToPoint, SlimName.Parse("org/ns/bob"), Ct).WithTimeout();
        var incoming = await bob.ListenForSessionAsync(cancellationToken: Ct).WithTimeout();
        var watching = WatchAsync(incoming);
        await session.DeleteAsync(Ct).WithTimeout();
        await watching.WithTimeout(what: "the notification stream ending with the session");

        static async Task WatchAsync(SlimSession session)
        {
            #region doc:notifications
            await foreach (var notification in session.ReadNotificationsAsync())
            {
                if (notification is MessageLostNotification lost)
                {
                    Console.WriteLine($"{lost.Count} message(s) from {lost.Source} lost, from id {lost.FirstMessageId}");
                }
            }
            #endregion
        }
    }

    [Fact]
    public async Task Mls()
    {
        await using var slim = new SlimService();
        var (group, bob) = await MlsGroupAsync(slim).WithTimeout();
        var joined = await bob.ListenForSessionAsync(cancellationToken: Ct).WithTimeout();
        Assert.True(group.MlsEnabled);
        Assert.True(joined.MlsEnabled);
        await group.PublishAndWaitAsync("for members only"u8.ToArray(), cancellationToken: Ct).WithTimeout();
        Assert.Equal("for members only", Encoding.UTF8.GetString((await joined.GetMessageAsync(cancellationToken: Ct).WithTimeout()).Payload.Span));

        static async Task<(SlimSession Group, SlimApp Bob)> MlsGroupAsync(SlimService slim)
        {
            #region doc:mls
            var alice = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), Secret);
            var bob = await slim.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret); // joins MLS groups too

            var config = SlimSessionConfig.Group with { EnableMls = true };
            var group = await alice.CreateSessionAsync(config, SlimName.Parse("org/ns/secret-chat"));
            await group.InviteAsync(SlimName.Parse("org/ns/bob")); // bob gets a Welcome; payloads are encrypted
            #endregion
            return (group, bob);
        }
    }

    [Fact]
    public async Task Jwt_identity()
    {
        using var issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await JwtAppAsync(issuer.ExportPkcs8PrivateKeyPem(), issuer.ExportSubjectPublicKeyInfoPem()).WithTimeout();

        static async Task JwtAppAsync(string issuerPrivateKeyPem, string issuerPublicKeyPem)
        {
            #region doc:jwt
            using var issuerKey = JwtSigningKey.FromPem(issuerPrivateKeyPem);
            using var provider = new JwtIdentityProvider(issuerKey, new JwtProviderOptions
            {
                Subject = "org/ns/alice",
                Issuer = "https://issuer.example",
                Audiences = ["slim"],
            });
            using var keys = JwtKeySource.FromPem(issuerPublicKeyPem);
            var verifier = new JwtIdentityVerifier(new JwtVerifierOptions
            {
                Keys = keys,
                Issuers = ["https://issuer.example"],
                Audiences = ["slim"],
            });

            await using var slim = new SlimService();
            var alice = await slim.CreateAppAsync(SlimName.Parse("org/ns/alice"), provider, verifier);
            #endregion
            Assert.Equal(SlimIds.AppIdFromIdentity("org/ns/alice"), alice.Id);
        }
    }

    [Fact]
    public void The_documentation_quotes_every_snippet_verbatim()
    {
        var source = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "tests", "Slim.IntegrationTests", "Docs", "SdkDocSnippets.cs"));
        var guide = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "docs", "sdk.md"));
        var readme = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "README.md"));
        var snippets = Snippet().Matches(source);
        Assert.Equal(10, snippets.Count);
        foreach (Match snippet in snippets)
        {
            var lines = snippet.Groups["body"].Value.TrimEnd().Split('\n');
            var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            var code = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
            Assert.True(guide.Contains(code, StringComparison.Ordinal), $"docs/sdk.md does not quote snippet '{snippet.Groups["name"].Value}':\n{code}");
            if (snippet.Groups["name"].Value == "quick-start")
            {
                Assert.True(readme.Contains(code, StringComparison.Ordinal), $"README.md does not quote the quick start:\n{code}");
                Assert.True(code.Split('\n').Length <= 10, "The quick start must stay within 10 lines.");
            }
        }
    }

    [GeneratedRegex(@"#region doc:(?<name>[a-z0-9-]+)\n(?<body>.*?)\n\s*#endregion", RegexOptions.Singleline)]
    private static partial Regex Snippet();
}
