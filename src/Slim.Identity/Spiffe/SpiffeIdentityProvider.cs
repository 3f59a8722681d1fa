using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Identity.Internal;
using Slim.Identity.Signatures;
using Slim.Protocol;

namespace Slim.Identity.Spiffe;

/// <summary>Options of <see cref="SpiffeIdentityProvider"/>.</summary>
public sealed record SpiffeProviderOptions
{
    /// <summary>The defaults: the endpoint from <c>SPIFFE_ENDPOINT_SOCKET</c>, audience <c>slim</c>, renewal at half-life.</summary>
    public static SpiffeProviderOptions Default { get; } = new();

    /// <summary>The Workload API endpoint (see <see cref="SpiffeWorkloadApiClient"/>); null: <c>SPIFFE_ENDPOINT_SOCKET</c>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Workload API client options.</summary>
    public SpiffeWorkloadApiOptions WorkloadApi { get; init; } = SpiffeWorkloadApiOptions.Default;

    /// <summary>The audiences to request (official SLIM default: <c>slim</c>); verifiers must identify with one of them.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = ["slim"];

    /// <summary>The SPIFFE ID to request when the workload is entitled to several; null: the first one returned.</summary>
    public string? SpiffeId { get; init; }

    /// <summary>
    /// When true (the default, as official SLIM), the app's public key is requested as an extra audience
    /// <c>"slim-claims:" + base64(JSON {"pubkey": ...})</c>, since JWT-SVIDs cannot carry custom claims.
    /// </summary>
    public bool IncludePublicKeyAudience { get; init; } = true;

    /// <summary>
    /// The app's signature key. Null: the provider generates an ECDSA P-256 key and disposes it with itself; a key
    /// passed here stays owned by the caller.
    /// </summary>
    public SigningKey? SigningKey { get; init; }

    /// <summary>The SVID is renewed when this fraction of its remaining lifetime has passed (SPIFFE advice: half).</summary>
    public double RenewAtFraction { get; init; } = 0.5;

    /// <summary>Delay before retrying a failed renewal.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for renewal and expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for renewals; null: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// Identity from SPIRE: JWT-SVIDs fetched from the SPIFFE Workload API (official SLIM's SPIRE provider) and renewed
/// in the background before they expire. The id is the SPIFFE ID; the app's public key travels in a
/// <c>slim-claims:</c> audience.
/// </summary>
/// <remarks>Create with <see cref="CreateAsync"/>, which fetches the first SVID; dispose to stop renewing.</remarks>
public sealed class SpiffeIdentityProvider : IIdentityProvider, IAsyncDisposable, IDisposable
{
    private readonly SpiffeWorkloadApiClient _client;
    private readonly SpiffeProviderOptions _options;
    private readonly SigningKey _signingKey;
    private readonly bool _ownsSigningKey;
    private readonly string[] _audiences;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _fetchGate = new(1, 1);
    private readonly Lock _gate = new();
    private JwtSvid _svid;
    private Task _pending = Task.CompletedTask;
    private bool _disposed;

    private SpiffeIdentityProvider(
        SpiffeWorkloadApiClient client, SpiffeProviderOptions options, SigningKey signingKey, bool ownsSigningKey, string[] audiences, JwtSvid first)
    {
        _client = client;
        _options = options;
        _signingKey = signingKey;
        _ownsSigningKey = ownsSigningKey;
        _audiences = audiences;
        _svid = first;
        Id = first.SpiffeId.ToString();
        _logger = options.LoggerFactory?.CreateLogger<SpiffeIdentityProvider>() ?? (ILogger)NullLogger.Instance;
        _timer = options.TimeProvider.CreateTimer(_ => OnRenewalDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Schedule(RenewalDelay(first));
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public SignatureAlgorithm SignatureAlgorithm => _signingKey.Algorithm;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> PublicKey => _signingKey.PublicKey;

    /// <summary>The current JWT-SVID.</summary>
    public JwtSvid CurrentSvid => Volatile.Read(ref _svid);

    /// <summary>The renewal started by the timer, if any (tests await it).</summary>
    internal Task PendingRenewal
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>Connects to the Workload API and fetches the first JWT-SVID.</summary>
    /// <exception cref="SlimIdentityException">
    /// <see cref="SlimErrorCode.IdentityConfigurationInvalid"/> for bad options or no endpoint;
    /// <see cref="SlimErrorCode.IdentityWorkloadApiFailed"/> when no SVID can be fetched.
    /// </exception>
    public static async Task<SpiffeIdentityProvider> CreateAsync(SpiffeProviderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= SpiffeProviderOptions.Default;
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentNullException.ThrowIfNull(options.WorkloadApi);
        if (options.Audiences.Count == 0 || options.Audiences.Any(string.IsNullOrEmpty) ||
            options.RenewAtFraction is <= 0 or >= 1 || options.RetryInterval <= TimeSpan.Zero)
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                "A SPIFFE provider needs at least one audience, a renewal fraction in (0, 1) and a positive retry interval.");
        }

        if (options.SpiffeId is not null)
        {
            _ = Spiffe.SpiffeId.Parse(options.SpiffeId);
        }

        var client = options.Endpoint is null
            ? SpiffeWorkloadApiClient.FromEnvironment(options.WorkloadApi)
            : new SpiffeWorkloadApiClient(options.Endpoint, options.WorkloadApi);
        var signingKey = options.SigningKey ?? SigningKey.GenerateEcdsaP256();
        try
        {
            var audiences = options.IncludePublicKeyAudience
                ? [.. options.Audiences, PublicKeyClaim.ToAudience(signingKey.PublicKey.Span)]
                : options.Audiences.ToArray();
            var first = await FetchAsync(client, audiences, options, expectedId: null, cancellationToken).ConfigureAwait(false);
            return new SpiffeIdentityProvider(client, options, signingKey, options.SigningKey is null, audiences, first);
        }
        catch
        {
            client.Dispose();
            if (options.SigningKey is null)
            {
                signingKey.Dispose();
            }

            throw;
        }
    }

    /// <summary>The current JWT-SVID's token.</summary>
    /// <exception cref="SlimIdentityException">The SVID expired and could not be renewed (<see cref="SlimErrorCode.IdentityTokenUnavailable"/>).</exception>
    public string GetToken()
    {
        var svid = CurrentSvid;
        return _options.TimeProvider.GetUtcNow() < svid.ExpiresAt
            ? svid.Token
            : throw new SlimIdentityException(SlimErrorCode.IdentityTokenUnavailable, $"The JWT-SVID of {Id} expired and could not be renewed.");
    }

    /// <inheritdoc />
    public byte[] Sign(ReadOnlySpan<byte> data) => _signingKey.Sign(data);

    /// <summary>Fetches a new JWT-SVID now (the background renewal continues from it).</summary>
    /// <exception cref="SlimIdentityException">The fetch failed (<see cref="SlimErrorCode.IdentityWorkloadApiFailed"/>).</exception>
    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        await RenewCoreAsync(linked.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the renewal and releases the client (and the signing key if the provider generated it).</summary>
    public async ValueTask DisposeAsync()
    {
        Task pending;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            pending = _pending;
        }

        _timer.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _client.Dispose();
        if (_ownsSigningKey)
        {
            _signingKey.Dispose();
        }

        _stop.Dispose();
        _fetchGate.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static async Task<JwtSvid> FetchAsync(
        SpiffeWorkloadApiClient client, string[] audiences, SpiffeProviderOptions options, string? expectedId, CancellationToken cancellationToken)
    {
        var svids = await client.FetchJwtSvidsAsync(audiences, options.SpiffeId, cancellationToken).ConfigureAwait(false);
        var wanted = options.SpiffeId ?? expectedId;
        var svid = wanted is null ? svids[0] : svids.FirstOrDefault(s => s.SpiffeId.ToString() == wanted);
        if (svid is null)
        {
            throw new SlimIdentityException(
                SlimErrorCode.IdentityWorkloadApiFailed, $"SPIFFE Workload API: no JWT-SVID was returned for {wanted}.");
        }

        if (svid.ExpiresAt <= options.TimeProvider.GetUtcNow())
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityWorkloadApiFailed, "SPIFFE Workload API: the JWT-SVID returned is already expired.");
        }

        return svid;
    }

    private async Task RenewCoreAsync(CancellationToken cancellationToken)
    {
        await _fetchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var svid = await FetchAsync(_client, _audiences, _options, Id, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _svid, svid);
            Log.SvidRenewed(_logger, Id, svid.ExpiresAt);
            Schedule(RenewalDelay(svid));
        }
        finally
        {
            _fetchGate.Release();
        }
    }

    private void OnRenewalDue()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _pending = RenewInBackgroundAsync();
            }
        }
    }

    private async Task RenewInBackgroundAsync()
    {
        try
        {
            await RenewCoreAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (SlimIdentityException ex)
        {
            Log.SvidRenewalFailed(_logger, _options.RetryInterval, ex.Message);
            Schedule(_options.RetryInterval);
        }
    }

    private TimeSpan RenewalDelay(JwtSvid svid)
    {
        var remaining = svid.ExpiresAt - _options.TimeProvider.GetUtcNow();
        return remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining * _options.RenewAtFraction;
    }

    private void Schedule(TimeSpan due)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _timer.Change(due, Timeout.InfiniteTimeSpan);
            }
        }
    }
}
