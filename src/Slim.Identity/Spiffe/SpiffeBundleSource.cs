using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Spiffe;

/// <summary>Options of <see cref="SpiffeBundleSource.FromFiles"/>.</summary>
public sealed record SpiffeBundleFileOptions
{
    /// <summary>The defaults: each file checked for changes at most once every 5 s.</summary>
    public static SpiffeBundleFileOptions Default { get; } = new();

    /// <summary>How often, at most, a bundle file is looked at for changes (when a token of its trust domain arrives).</summary>
    public TimeSpan ReloadInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for the reload interval.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for reloads; null: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>Options of <see cref="SpiffeBundleSource.FromWorkloadApi"/>.</summary>
public sealed record SpiffeWorkloadBundleOptions
{
    /// <summary>The defaults: bundles kept 5 min, refreshed for an unknown kid at most every 30 s.</summary>
    public static SpiffeWorkloadBundleOptions Default { get; } = new();

    /// <summary>How long fetched bundles are used before they are fetched again.</summary>
    public TimeSpan CacheDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The least time between two fetches (an unknown kid or trust domain triggers one).</summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for the cache ages.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logger factory for fetch failures; null: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// Where a JWT-SVID verifier finds the trust bundle of a token's trust domain: fixed bundles, bundle files (one per
/// trust domain, re-read when they change), or the Workload API's <c>FetchJWTBundles</c>.
/// </summary>
public abstract class SpiffeBundleSource : IDisposable
{
    private protected SpiffeBundleSource()
    {
    }

    /// <summary>Fixed bundles.</summary>
    public static SpiffeBundleSource FromBundles(params IEnumerable<SpiffeBundle> bundles)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        return new FixedBundleSource(bundles.ToDictionary(b => b.TrustDomain, StringComparer.Ordinal));
    }

    /// <summary>
    /// Bundles read from files (SPIFFE bundle or JWKS JSON), one per trust domain, each re-read when it changes.
    /// </summary>
    /// <param name="files">Trust domain name (or <c>spiffe://</c> trust domain ID) to bundle file path.</param>
    /// <param name="options">Options, or null for <see cref="SpiffeBundleFileOptions.Default"/>.</param>
    /// <exception cref="SlimIdentityException">A file cannot be read or is not a bundle (<see cref="SlimErrorCode.IdentityKeyInvalid"/>),
    /// or a trust domain name is invalid (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public static SpiffeBundleSource FromFiles(IReadOnlyDictionary<string, string> files, SpiffeBundleFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new FileBundleSource(files, options ?? SpiffeBundleFileOptions.Default);
    }

    /// <summary>Bundles fetched from the Workload API, cached and refreshed. The source does not own <paramref name="client"/>.</summary>
    public static SpiffeBundleSource FromWorkloadApi(SpiffeWorkloadApiClient client, SpiffeWorkloadBundleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new WorkloadApiBundleSource(client, options ?? SpiffeWorkloadBundleOptions.Default);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Finds the JWT authorities of <paramref name="trustDomain"/> for a token with <paramref name="keyId"/>.</summary>
    internal abstract ValueTask<KeyLookup> FindAsync(string trustDomain, string? keyId, CancellationToken cancellationToken);

    /// <summary>Releases what the source holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private protected static KeyLookup Find(SpiffeBundle? bundle, string trustDomain, string? keyId) =>
        bundle is null
            ? KeyLookup.Fail(IdentityFailureReason.UnknownKey, $"no trust bundle for trust domain {trustDomain}")
            : bundle.Keys.Find(keyId, matchAnyKeyId: false, $"the bundle of {trustDomain}");

    private sealed class FixedBundleSource(Dictionary<string, SpiffeBundle> bundles) : SpiffeBundleSource
    {
        internal override ValueTask<KeyLookup> FindAsync(string trustDomain, string? keyId, CancellationToken cancellationToken) =>
            new(Find(bundles.GetValueOrDefault(trustDomain), trustDomain, keyId));
    }

    private sealed class FileBundleSource : SpiffeBundleSource
    {
        private readonly Dictionary<string, (PolledFile File, SpiffeBundle Bundle)> _files = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private readonly ILogger _logger;

        public FileBundleSource(IReadOnlyDictionary<string, string> files, SpiffeBundleFileOptions options)
        {
            ArgumentNullException.ThrowIfNull(options.TimeProvider);
            _logger = options.LoggerFactory?.CreateLogger<SpiffeBundleSource>() ?? (ILogger)NullLogger.Instance;
            foreach (var (domain, path) in files)
            {
                var trustDomain = SpiffeBundle.NormalizeTrustDomain(domain)
                    ?? throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, $"'{domain}' is not a SPIFFE trust domain.");
                PolledFile file;
                try
                {
                    file = new PolledFile(path, options.ReloadInterval, options.TimeProvider);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, $"The bundle file '{path}' cannot be read: {ex.Message}", ex);
                }

                _files[trustDomain] = (file, SpiffeBundle.Parse(trustDomain, file.Content));
            }
        }

        internal override ValueTask<KeyLookup> FindAsync(string trustDomain, string? keyId, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (!_files.TryGetValue(trustDomain, out var entry))
                {
                    return new(Find(null, trustDomain, keyId));
                }

                if (entry.File.TryReadChanged(out var content, out var error))
                {
                    if (content is null)
                    {
                        Log.ReloadFailed(_logger, $"the bundle of {trustDomain}", error!);
                    }
                    else
                    {
                        try
                        {
                            entry = (entry.File, SpiffeBundle.Parse(trustDomain, content));
                            entry.File.Accept(content);
                            _files[trustDomain] = entry;
                            Log.Reloaded(_logger, $"the bundle of {trustDomain}");
                        }
                        catch (SlimIdentityException ex)
                        {
                            Log.ReloadFailed(_logger, $"the bundle of {trustDomain}", ex.Message);
                        }
                    }
                }

                return new(Find(entry.Bundle, trustDomain, keyId));
            }
        }
    }

    private sealed class WorkloadApiBundleSource : SpiffeBundleSource
    {
        private readonly RefreshingCache<Dictionary<string, SpiffeBundle>> _cache;

        public WorkloadApiBundleSource(SpiffeWorkloadApiClient client, SpiffeWorkloadBundleOptions options)
        {
            ArgumentNullException.ThrowIfNull(options.TimeProvider);
            if (options.CacheDuration <= TimeSpan.Zero || options.MinRefreshInterval < TimeSpan.Zero)
            {
                throw new SlimIdentityException(
                    SlimErrorCode.IdentityConfigurationInvalid, "The bundle cache duration must be positive and the refresh interval not negative.");
            }

            var logger = options.LoggerFactory?.CreateLogger<SpiffeBundleSource>() ?? (ILogger)NullLogger.Instance;
            _cache = new RefreshingCache<Dictionary<string, SpiffeBundle>>(
                async ct => (await client.FetchJwtBundlesAsync(ct).ConfigureAwait(false)).ToDictionary(b => b.TrustDomain, StringComparer.Ordinal),
                options.CacheDuration,
                options.MinRefreshInterval,
                options.TimeProvider,
                logger,
                "the JWT bundles from the Workload API");
        }

        internal int FetchCount => _cache.FetchCount;

        internal override async ValueTask<KeyLookup> FindAsync(string trustDomain, string? keyId, CancellationToken cancellationToken)
        {
            var read = await _cache.GetAsync(refresh: false, cancellationToken).ConfigureAwait(false);
            if (read.Value is { } bundles && (!bundles.TryGetValue(trustDomain, out var known) || !known.Keys.Contains(keyId)))
            {
                // A new trust domain or a rotated key: ask again (rate-limited).
                read = await _cache.GetAsync(refresh: true, cancellationToken).ConfigureAwait(false);
            }

            return read.Value is { } current
                ? Find(current.GetValueOrDefault(trustDomain), trustDomain, keyId)
                : KeyLookup.Fail(IdentityFailureReason.KeyUnavailable, read.Error ?? "the JWT bundles are not available");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _cache.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
