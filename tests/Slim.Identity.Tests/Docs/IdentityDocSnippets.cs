using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Slim.Identity.Jwt;
using Slim.Identity.SharedSecret;
using Slim.Identity.Signatures;
using Slim.Identity.Spiffe;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;

namespace Slim.Identity.Tests.Docs;

/// <summary>
/// The code shown in docs/identity.md. Each <c>#region doc:</c> block below runs as a test, and a last test checks
/// that the page quotes every block verbatim, so the documentation cannot drift from code that compiles and works.
/// The snippets read as application code, so instead of <c>WithTimeout</c> on each await they get a cancellation
/// token that fires after the default test timeout; every awaited call here honours it.
/// </summary>
public sealed partial class IdentityDocSnippets
{
    [Fact]
    public async Task Shared_secret()
    {
        using var timeout = Bounded();
        var cancellationToken = timeout.Token;
        #region doc:shared-secret
        const string secret = "a-secret-of-at-least-32-bytes-shared-by-all-apps";

        // Sender: one provider per app. Its Id ("org/ns/alice_<8 random>") gives the app id.
        using var provider = new SharedSecretIdentityProvider("org/ns/alice", secret);
        UInt128 appId = SlimIds.AppIdFromIdentity(provider.Id);
        string token = provider.GetToken(); // id:ts:nonce:claims:mac, fresh on every call

        // Receiver: checks the MAC, the 1 h window and the 5 s skew.
        using var verifier = new SharedSecretIdentityVerifier(secret);
        IdentityVerification result = await verifier.VerifyAsync(token, cancellationToken);
        if (!result.IsValid)
        {
            Console.WriteLine($"dropped: {result.Reason} ({result.Error})");
        }
        #endregion

        Assert.NotEqual(UInt128.Zero, appId);
        Assert.True(result.IsValid);
        Assert.Equal(provider.PublicKey.ToArray(), result.Identity!.PublicKey.ToArray());
    }

    [Fact]
    public async Task Header_signature()
    {
        const string secret = "a-secret-of-at-least-32-bytes-shared-by-all-apps";
        using var provider = new SharedSecretIdentityProvider("org/ns/alice", secret);
        using var verifier = new SharedSecretIdentityVerifier(secret);
        using var timeout = Bounded();
        var cancellationToken = timeout.Token;
        #region doc:header-signature
        // Sender: set the identity and every header field first, then sign (the AAD covers them).
        Publish discovery = WireMessage.CreatePublish(
            SlimName.Parse("org/ns/alice/1"),
            SlimName.Parse("org/ns/bob"),
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 7, 9),
            new Content { CommandPayload = new CommandPayload { DiscoveryRequest = new DiscoveryRequestPayload() } },
            identity: provider.GetToken()).Publish;
        HeaderSignature.Sign(provider, discovery); // sets Header.E2EHeaderSig

        // Receiver: the token, then the signature with the token's pubkey.
        IdentityVerification check = await HeaderSignature.VerifyAsync(discovery, verifier, cancellationToken);
        #endregion

        Assert.True(check.IsValid, check.Error);
    }

    [Fact]
    public async Task Jwt()
    {
        using var issuerEcdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var directory = Directory.CreateTempSubdirectory("slim-doc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "issuer.key.pem"), issuerEcdsa.ExportECPrivateKeyPem());
            File.WriteAllText(Path.Combine(directory, "issuer.pub.pem"), issuerEcdsa.ExportSubjectPublicKeyInfoPem());
            var issuerKeyPath = Path.Combine(directory, "issuer.key.pem");
            var issuerPublicKeyPath = Path.Combine(directory, "issuer.pub.pem");
            using var timeout = Bounded();
            var cancellationToken = timeout.Token;
            #region doc:jwt
            // Sender: JWTs signed with an issuer key (ES256 for a P-256 PEM, RS256 for RSA), re-minted before expiry.
            using var issuerKey = JwtSigningKey.FromPemFile(issuerKeyPath, keyId: "issuer-1");
            using var jwtProvider = new JwtIdentityProvider(issuerKey, new JwtProviderOptions
            {
                Subject = "org/ns/alice",
                Issuer = "https://issuer.example",
                Audiences = ["slim"],
                Lifetime = TimeSpan.FromHours(1),
            });

            // Receiver: a PEM key here; JwtKeySource.FromJwksUri / FromIssuer fetch and cache a JWKS instead.
            using var keys = JwtKeySource.FromPemFile(issuerPublicKeyPath);
            var jwtVerifier = new JwtIdentityVerifier(new JwtVerifierOptions
            {
                Keys = keys,
                Issuers = ["https://issuer.example"],
                Audiences = ["slim"],
                RequirePublicKey = true,
            });
            IdentityVerification verified = await jwtVerifier.VerifyAsync(jwtProvider.GetToken(), cancellationToken);
            #endregion

            Assert.True(verified.IsValid, verified.Error);
            Assert.Equal("org/ns/alice", verified.Identity!.Subject);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Spiffe()
    {
        using var authority = new SpiffeAuthority("example.org", "authority-1");
        await using var agent = await FakeWorkloadApi.StartAsync().WithTimeout();
        agent.FetchJwtSvid = request => (new Slim.Identity.Spiffe.WorkloadApi.JWTSVIDResponse
        {
            Svids =
            {
                new Slim.Identity.Spiffe.WorkloadApi.JWTSVID
                {
                    SpiffeId = "spiffe://example.org/app",
                    Svid = authority.Mint("spiffe://example.org/app", request.Audience, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
                },
            },
        }, 0, string.Empty);
        var directory = Directory.CreateTempSubdirectory("slim-doc-").FullName;
        try
        {
            var bundlePath = Path.Combine(directory, "example.org.bundle.json");
            File.WriteAllText(bundlePath, authority.BundleJson());
            var agentSocket = agent.Endpoint;
            using var timeout = Bounded();
            var cancellationToken = timeout.Token;
            #region doc:spiffe
            // Sender: JWT-SVIDs from the SPIRE agent (endpoint: unix:///..., or null for SPIFFE_ENDPOINT_SOCKET),
            // renewed at half-life; the app key rides in a "slim-claims:" audience.
            await using var spiffeProvider = await SpiffeIdentityProvider.CreateAsync(
                new SpiffeProviderOptions { Endpoint = agentSocket, Audiences = ["slim"] }, cancellationToken);

            // Receiver: trust bundles per trust domain (files here; FromWorkloadApi asks the local agent).
            using var trust = SpiffeBundleSource.FromFiles(new Dictionary<string, string> { ["example.org"] = bundlePath });
            var svidVerifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = trust, Audiences = ["slim"] });
            IdentityVerification svid = await svidVerifier.VerifyAsync(spiffeProvider.GetToken(), cancellationToken);
            // svid.Identity.Subject == "spiffe://example.org/app"
            #endregion

            Assert.True(svid.IsValid, svid.Error);
            Assert.Equal("spiffe://example.org/app", svid.Identity!.Subject);
            Assert.Equal(spiffeProvider.PublicKey.ToArray(), svid.Identity.PublicKey.ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_documentation_quotes_every_snippet_verbatim()
    {
        var source = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "tests", "Slim.Identity.Tests", "Docs", "IdentityDocSnippets.cs"));
        var page = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "docs", "identity.md"));
        var snippets = Snippet().Matches(source);
        Assert.Equal(4, snippets.Count);
        foreach (Match snippet in snippets)
        {
            var lines = snippet.Groups["body"].Value.TrimEnd().Split('\n');
            var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            var code = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
            Assert.True(page.Contains(code, StringComparison.Ordinal), $"docs/identity.md does not quote snippet '{snippet.Groups["name"].Value}':\n{code}");
        }
    }

    private static CancellationTokenSource Bounded()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(TaskTimeoutExtensions.DefaultTimeout);
        return source;
    }

    [GeneratedRegex(@"#region doc:(?<name>[a-z-]+)\n(?<body>.*?)\n\s*#endregion", RegexOptions.Singleline)]
    private static partial Regex Snippet();
}
