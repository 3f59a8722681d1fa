using Google.Protobuf;
using Slim.Identity.Signatures;
using Slim.Identity.Spiffe;
using Slim.Identity.Spiffe.WorkloadApi;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;

namespace Slim.Identity.Tests.Spiffe;

/// <summary>The Workload API client, provider and bundle source against a fake agent on a Unix socket.</summary>
public sealed class WorkloadApiTests : IDisposable
{
    private const string Workload = "spiffe://example.org/ns/prod/sa/app";
    private static readonly DateTimeOffset Now = JwtFactory.Now;
    private readonly SpiffeAuthority _authority = new("example.org", "authority-1");
    private readonly ManualTimeProvider _clock = new(Now);

    public void Dispose() => _authority.Dispose();

    [Fact]
    public async Task The_provider_fetches_an_SVID_carrying_its_key_and_a_verifier_accepts_it()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        await using var provider = await SpiffeIdentityProvider.CreateAsync(Options(agent), TestContext.Current.CancellationToken).WithTimeout();

        Assert.Equal(Workload, provider.Id);
        Assert.Equal(1, agent.SvidCalls);
        Assert.True(agent.SvidRequests.TryPeek(out var request));
        Assert.Equal(string.Empty, request.SpiffeId);
        Assert.Equal(2, request.Audience.Count);
        Assert.Equal("slim", request.Audience[0]);
        Assert.StartsWith("slim-claims:", request.Audience[1], StringComparison.Ordinal);
        Assert.Equal(Now.AddMinutes(10), provider.CurrentSvid.ExpiresAt);
        Assert.DoesNotContain(provider.GetToken(), provider.CurrentSvid.ToString(), StringComparison.Ordinal);

        // A verifier in another app, trusting the bundles the same agent serves.
        using var client = new SpiffeWorkloadApiClient(agent.Endpoint);
        using var bundles = SpiffeBundleSource.FromWorkloadApi(client, new SpiffeWorkloadBundleOptions { TimeProvider = _clock });
        var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, RequirePublicKey = true, TimeProvider = _clock });
        var result = await verifier.VerifyAsync(provider.GetToken(), TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Workload, result.Identity!.Subject);
        Assert.Equal(provider.PublicKey.ToArray(), result.Identity.PublicKey.ToArray());
        Assert.Equal(1, agent.BundleCalls);

        // And the e2e signature of a command signed by the provider checks out against that identity.
        var publish = WireMessage.CreatePublish(
            SlimName.Parse("org/ns/app/1"),
            SlimName.Parse("org/ns/peer"),
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 1, 2),
            new Content { CommandPayload = new CommandPayload { DiscoveryRequest = new DiscoveryRequestPayload() } },
            identity: provider.GetToken()).Publish;
        HeaderSignature.Sign(provider, publish);
        Assert.True((await HeaderSignature.VerifyAsync(publish, verifier, TestContext.Current.CancellationToken).WithTimeout()).IsValid);

        // Cached: a second token needs no new bundle fetch.
        Assert.True((await verifier.VerifyAsync(provider.GetToken(), TestContext.Current.CancellationToken).WithTimeout()).IsValid);
        Assert.Equal(1, agent.BundleCalls);
    }

    [Fact]
    public async Task The_SVID_is_renewed_at_half_life_and_retried_after_a_failure()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        await using var provider = await SpiffeIdentityProvider.CreateAsync(
            Options(agent) with { RetryInterval = TimeSpan.FromSeconds(7) }, TestContext.Current.CancellationToken).WithTimeout();
        var first = provider.GetToken();

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(1, agent.SvidCalls);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await provider.PendingRenewal.WithTimeout();
        Assert.Equal(2, agent.SvidCalls);
        var second = provider.GetToken();
        Assert.NotEqual(first, second);
        Assert.Equal(Now.AddMinutes(15), provider.CurrentSvid.ExpiresAt);

        // The agent fails: the current SVID stays, and the renewal is retried after the retry interval.
        var healthy = agent.FetchJwtSvid;
        agent.FetchJwtSvid = _ => (null, 14, "agent unavailable");
        _clock.Advance(TimeSpan.FromMinutes(5));
        await provider.PendingRenewal.WithTimeout();
        Assert.Equal(3, agent.SvidCalls);
        Assert.Equal(second, provider.GetToken());

        agent.FetchJwtSvid = healthy;
        _clock.Advance(TimeSpan.FromSeconds(7));
        await provider.PendingRenewal.WithTimeout();
        Assert.Equal(4, agent.SvidCalls);
        Assert.NotEqual(second, provider.GetToken());
    }

    [Fact]
    public async Task An_SVID_that_expires_without_renewal_is_not_served()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        await using var provider = await SpiffeIdentityProvider.CreateAsync(Options(agent), TestContext.Current.CancellationToken).WithTimeout();
        agent.FetchJwtSvid = _ => (null, 14, "agent unavailable");

        _clock.Advance(TimeSpan.FromMinutes(10));
        await provider.PendingRenewal.WithTimeout();
        var ex = Assert.Throws<SlimIdentityException>(provider.GetToken);
        Assert.Equal(SlimErrorCode.IdentityTokenUnavailable, ex.ErrorCode);
    }

    [Fact]
    public async Task A_requested_SPIFFE_ID_is_sent_and_checked()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        await using var provider = await SpiffeIdentityProvider.CreateAsync(
            Options(agent) with { SpiffeId = Workload, IncludePublicKeyAudience = false, Audiences = ["a", "b"] },
            TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(agent.SvidRequests.TryPeek(out var request));
        Assert.Equal(Workload, request.SpiffeId);
        Assert.Equal(["a", "b"], request.Audience);

        var ex = await Assert.ThrowsAsync<SlimIdentityException>(() =>
            SpiffeIdentityProvider.CreateAsync(Options(agent) with { SpiffeId = "spiffe://example.org/other" }, TestContext.Current.CancellationToken).WithTimeout());
        Assert.Equal(SlimErrorCode.IdentityWorkloadApiFailed, ex.ErrorCode);
    }

    [Fact]
    public async Task gRPC_errors_and_unreachable_agents_are_typed_failures()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        agent.FetchJwtSvid = _ => (null, 7, "no identity issued");
        var denied = await Assert.ThrowsAsync<SlimIdentityException>(() =>
            SpiffeIdentityProvider.CreateAsync(Options(agent), TestContext.Current.CancellationToken).WithTimeout());
        Assert.Equal(SlimErrorCode.IdentityWorkloadApiFailed, denied.ErrorCode);
        Assert.Contains("gRPC status 7: no identity issued", denied.Message, StringComparison.Ordinal);

        agent.FetchJwtSvid = _ => (new JWTSVIDResponse(), 0, string.Empty);
        var empty = await Assert.ThrowsAsync<SlimIdentityException>(() =>
            SpiffeIdentityProvider.CreateAsync(Options(agent), TestContext.Current.CancellationToken).WithTimeout());
        Assert.Contains("no SVID", empty.Message, StringComparison.Ordinal);

        agent.FetchJwtSvid = _ => (new JWTSVIDResponse { Svids = { new JWTSVID { SpiffeId = Workload, Svid = "not.a.jwt" } } }, 0, string.Empty);
        var garbage = await Assert.ThrowsAsync<SlimIdentityException>(() =>
            SpiffeIdentityProvider.CreateAsync(Options(agent), TestContext.Current.CancellationToken).WithTimeout());
        Assert.Equal(SlimErrorCode.IdentityWorkloadApiFailed, garbage.ErrorCode);

        var missing = await Assert.ThrowsAsync<SlimIdentityException>(() => SpiffeIdentityProvider.CreateAsync(
            Options(agent) with { Endpoint = "unix://" + Path.Combine(Path.GetTempPath(), $"no-agent-{Guid.NewGuid():N}.sock") },
            TestContext.Current.CancellationToken).WithTimeout());
        Assert.Equal(SlimErrorCode.IdentityWorkloadApiFailed, missing.ErrorCode);
        Assert.Contains("cannot reach", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundles_from_the_agent_are_refreshed_for_an_unknown_kid_at_most_once_per_interval()
    {
        await using var agent = await StartAgentAsync(TimeSpan.FromMinutes(10)).WithTimeout();
        using var next = new SpiffeAuthority("example.org", "authority-2");
        using var client = new SpiffeWorkloadApiClient(agent.Endpoint);
        using var bundles = SpiffeBundleSource.FromWorkloadApi(client, new SpiffeWorkloadBundleOptions { TimeProvider = _clock });
        var verifier = new SpiffeJwtSvidVerifier(new SpiffeVerifierOptions { Bundles = bundles, TimeProvider = _clock });
        var ct = TestContext.Current.CancellationToken;

        var rotated = next.Mint(Workload, ["slim"], Now, TimeSpan.FromHours(1));
        Assert.Equal(IdentityFailureReason.UnknownKey, (await verifier.VerifyAsync(rotated, ct).WithTimeout()).Reason);
        Assert.Equal(1, agent.BundleCalls);

        agent.FetchJwtBundles = () => Bundles(("spiffe://example.org", _authority.BundleJson(2, next)));
        Assert.Equal(IdentityFailureReason.UnknownKey, (await verifier.VerifyAsync(rotated, ct).WithTimeout()).Reason);
        Assert.Equal(1, agent.BundleCalls);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await verifier.VerifyAsync(rotated, ct).WithTimeout()).IsValid);
        Assert.Equal(2, agent.BundleCalls);
    }

    [Theory]
    [InlineData("unix:///run/spire/agent.sock", true)]
    [InlineData("unix:/run/spire/agent.sock", true)]
    [InlineData("/run/spire/agent.sock", true)]
    [InlineData("tcp://127.0.0.1:8081", true)]
    [InlineData("tcp://[::1]:8081", true)]
    [InlineData("unix://host/agent.sock", false)]
    [InlineData("unix:agent.sock", false)]
    [InlineData("tcp://localhost:8081", false)]
    [InlineData("tcp://127.0.0.1", false)]
    [InlineData("http://127.0.0.1:8081", false)]
    [InlineData("", false)]
    public void Endpoints_follow_the_workload_endpoint_forms(string endpoint, bool valid)
    {
        if (valid)
        {
            using var client = new SpiffeWorkloadApiClient(endpoint);
            Assert.Equal(endpoint, client.Endpoint);
        }
        else
        {
            Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() => new SpiffeWorkloadApiClient(endpoint)).ErrorCode);
        }
    }

    private SpiffeProviderOptions Options(FakeWorkloadApi agent) => new() { Endpoint = agent.Endpoint, TimeProvider = _clock };

    private static JWTBundlesResponse Bundles(params (string TrustDomain, string Json)[] bundles)
    {
        var response = new JWTBundlesResponse();
        foreach (var (trustDomain, json) in bundles)
        {
            response.Bundles[trustDomain] = ByteString.CopyFromUtf8(json);
        }

        return response;
    }

    /// <summary>An agent that mints SVIDs for <see cref="Workload"/> with the requested audiences, valid from the test clock's now.</summary>
    private async Task<FakeWorkloadApi> StartAgentAsync(TimeSpan lifetime)
    {
        var agent = await FakeWorkloadApi.StartAsync().WithTimeout();
        agent.FetchJwtSvid = request =>
        {
            if (request.SpiffeId.Length > 0 && request.SpiffeId != Workload)
            {
                return (null, 7, "not entitled to " + request.SpiffeId);
            }

            var token = _authority.Mint(Workload, request.Audience, _clock.GetUtcNow(), lifetime);
            return (new JWTSVIDResponse { Svids = { new JWTSVID { SpiffeId = Workload, Svid = token } } }, 0, string.Empty);
        };
        agent.FetchJwtBundles = () => Bundles(("spiffe://example.org", _authority.BundleJson()));
        return agent;
    }
}
