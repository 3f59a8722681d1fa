using Microsoft.Extensions.Logging;

namespace Slim.Identity.Internal;

/// <summary>What <see cref="RefreshingCache{T}.GetAsync"/> returns: the newest value (possibly stale), or why there is none.</summary>
internal readonly record struct CacheRead<T>(T? Value, string? Error)
    where T : class;

/// <summary>
/// A value fetched from somewhere slow (JWKS endpoint, Workload API), kept for <c>maxAge</c>, refreshed on demand
/// (unknown key id) at most once per <c>minInterval</c>, one fetch at a time. A failed refresh keeps serving the
/// previous value, so a flapping endpoint does not break verification of tokens signed with known keys.
/// </summary>
internal sealed class RefreshingCache<T> : IDisposable
    where T : class
{
    private readonly Func<CancellationToken, Task<T>> _fetch;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _minInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _what;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Entry? _current;
    private DateTimeOffset? _lastAttempt;
    private string? _lastError;

    public RefreshingCache(
        Func<CancellationToken, Task<T>> fetch, TimeSpan maxAge, TimeSpan minInterval, TimeProvider time, ILogger logger, string what)
    {
        _fetch = fetch;
        _maxAge = maxAge;
        _minInterval = minInterval;
        _time = time;
        _logger = logger;
        _what = what;
    }

    /// <summary>Number of fetches started (for tests and diagnostics).</summary>
    public int FetchCount { get; private set; }

    /// <summary>
    /// The cached value; fetched first if there is none or it is older than the maximum age, or if
    /// <paramref name="refresh"/> asks for a newer one and the last attempt is older than the minimum interval.
    /// </summary>
    public async ValueTask<CacheRead<T>> GetAsync(bool refresh, CancellationToken cancellationToken)
    {
        var seen = _current;
        if (seen is not null && !refresh && _time.GetUtcNow() - seen.FetchedAt < _maxAge)
        {
            return new(seen.Value, null);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            if (current is not null && !ReferenceEquals(current, seen))
            {
                // Another caller fetched while this one waited.
                return new(current.Value, null);
            }

            var now = _time.GetUtcNow();
            if (_lastAttempt is { } last && now - last < _minInterval)
            {
                return current is not null ? new(current.Value, null) : new(null, _lastError ?? $"{_what} is not available yet");
            }

            _lastAttempt = now;
            FetchCount++;
            try
            {
                var value = await _fetch(cancellationToken).ConfigureAwait(false);
                _current = new Entry(value, now);
                _lastError = null;
                return new(value, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _lastError = $"fetching {_what} failed: {Describe(ex)}";
                Log.FetchFailed(_logger, _what, Describe(ex));
                return current is not null ? new(current.Value, null) : new(null, _lastError);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>A short description of a fetch failure: the exception type and message (never a token).</summary>
    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "timed out",
        _ => ex.Message,
    };

    private sealed record Entry(T Value, DateTimeOffset FetchedAt);
}
