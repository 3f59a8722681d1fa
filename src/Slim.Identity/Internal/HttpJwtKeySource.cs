using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Identity.Jwt;

namespace Slim.Identity.Internal;

/// <summary>
/// Keys fetched from a JWKS URL (optionally found through OpenID Connect discovery), cached for the configured
/// duration and refreshed, rate-limited, when a token names an unknown <c>kid</c>.
/// </summary>
internal sealed class HttpJwtKeySource : JwtKeySource
{
    private const string DiscoveryPath = ".well-known/openid-configuration";

    private readonly Uri _address;
    private readonly bool _discovery;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly RefreshingCache<JwkSet> _cache;
    private Uri? _jwksUri;

    public HttpJwtKeySource(Uri address, bool discovery, JwksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new SlimIdentityException(Protocol.SlimErrorCode.IdentityConfigurationInvalid, "The JWKS address must be an absolute http(s) URI.");
        }

        if (options.CacheDuration <= TimeSpan.Zero || options.MinRefreshInterval < TimeSpan.Zero || options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new SlimIdentityException(
                Protocol.SlimErrorCode.IdentityConfigurationInvalid,
                "The JWKS cache duration and request timeout must be positive, the refresh interval not negative.");
        }

        _address = address;
        _discovery = discovery;
        _jwksUri = discovery ? null : address;
        _ownsHttp = options.HttpClient is null;
        _http = options.HttpClient ?? new HttpClient { Timeout = options.RequestTimeout };
        var logger = options.LoggerFactory?.CreateLogger<JwtKeySource>() ?? (ILogger)NullLogger.Instance;
        _cache = new RefreshingCache<JwkSet>(
            FetchAsync, options.CacheDuration, options.MinRefreshInterval, options.TimeProvider, logger, $"the JWKS of {address}");
    }

    /// <summary>Number of fetches started (tests).</summary>
    internal int FetchCount => _cache.FetchCount;

    internal override async ValueTask<KeyLookup> FindAsync(string? keyId, CancellationToken cancellationToken)
    {
        var read = await _cache.GetAsync(refresh: false, cancellationToken).ConfigureAwait(false);
        if (read.Value is not null && !read.Value.Contains(keyId))
        {
            // Possibly a rotated key: fetch again (rate-limited by the cache).
            read = await _cache.GetAsync(refresh: true, cancellationToken).ConfigureAwait(false);
        }

        return read.Value is { } set
            ? set.Find(keyId, matchAnyKeyId: false, "the JWKS")
            : KeyLookup.Fail(IdentityFailureReason.KeyUnavailable, read.Error ?? "the JWKS is not available");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cache.Dispose();
            if (_ownsHttp)
            {
                _http.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async Task<JwkSet> FetchAsync(CancellationToken cancellationToken)
    {
        var jwksUri = _jwksUri ??= await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var body = await GetAsync(jwksUri, cancellationToken).ConfigureAwait(false);
        return JwkSet.Parse(body, AcceptSignatureUse, out _);
    }

    private async Task<Uri> DiscoverAsync(CancellationToken cancellationToken)
    {
        var baseUri = _address.AbsoluteUri.EndsWith('/') ? _address : new Uri(_address.AbsoluteUri + "/");
        var body = await GetAsync(new Uri(baseUri, DiscoveryPath), cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("jwks_uri", out var value) && JsonText.TryGetString(value, out var text) &&
                Uri.TryCreate(text, UriKind.Absolute, out var uri) &&
                (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }
        }
        catch (JsonException)
        {
        }

        throw new FormatException("the OpenID configuration has no valid jwks_uri");
    }

    private async Task<byte[]> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} from {uri}");
        }

        if (response.Content.Headers.ContentLength > JwkSet.MaxDocumentBytes)
        {
            throw new FormatException("the response is too large");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > JwkSet.MaxDocumentBytes)
                {
                    throw new FormatException("the response is too large");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
