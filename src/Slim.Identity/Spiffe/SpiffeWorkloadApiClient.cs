using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Slim.Identity.Internal;
using Slim.Identity.Spiffe.WorkloadApi;
using Slim.Protocol;
using Slim.Protocol.Framing;

namespace Slim.Identity.Spiffe;

/// <summary>Options of <see cref="SpiffeWorkloadApiClient"/>.</summary>
public sealed record SpiffeWorkloadApiOptions
{
    /// <summary>The defaults: 10 s per call.</summary>
    public static SpiffeWorkloadApiOptions Default { get; } = new();

    /// <summary>Longest a call may take (connect, request, first reply).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A client of the SPIFFE Workload API (the SPIRE agent's socket) for JWT-SVIDs and JWT bundles: gRPC over
/// HTTP/2 cleartext on a Unix domain socket (or a TCP address), with the <c>workload.spiffe.io: true</c> header the
/// API requires. Calls are made by hand (length-prefixed protobuf, <c>grpc-status</c> trailers).
/// </summary>
/// <remarks>Thread-safe; one HTTP/2 connection is reused. Dispose it when done.</remarks>
public sealed class SpiffeWorkloadApiClient : IDisposable
{
    /// <summary>The environment variable that names the Workload API endpoint.</summary>
    public const string EndpointEnvironmentVariable = "SPIFFE_ENDPOINT_SOCKET";

    private const string FetchJwtSvidPath = "/SpiffeWorkloadAPI/FetchJWTSVID";
    private const string FetchJwtBundlesPath = "/SpiffeWorkloadAPI/FetchJWTBundles";
    private const string SecurityHeader = "workload.spiffe.io";
    private const int MaxMessageSize = 4 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a client for <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">
    /// <c>unix:///path/to/agent.sock</c>, <c>unix:/path/to/agent.sock</c>, an absolute socket path, or
    /// <c>tcp://127.0.0.1:8081</c> (an IP address, as the Workload Endpoint standard requires).
    /// </param>
    /// <param name="options">Options, or null for <see cref="SpiffeWorkloadApiOptions.Default"/>.</param>
    /// <exception cref="SlimIdentityException">The endpoint is not in one of those forms (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public SpiffeWorkloadApiClient(string endpoint, SpiffeWorkloadApiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= SpiffeWorkloadApiOptions.Default;
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, "The Workload API request timeout must be positive.");
        }

        Endpoint = endpoint;
        _timeout = options.RequestTimeout;
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        Uri baseAddress;
        if (TryParseUnixEndpoint(endpoint, out var socketPath))
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            baseAddress = new Uri("http://localhost/");
        }
        else if (TryParseTcpEndpoint(endpoint, out var address))
        {
            baseAddress = new Uri($"http://{address}/");
        }
        else
        {
            handler.Dispose();
            throw new SlimIdentityException(
                SlimErrorCode.IdentityConfigurationInvalid,
                $"'{endpoint}' is not a Workload API endpoint (unix:///path, unix:/path, /path or tcp://ip:port).");
        }

        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The endpoint this client talks to.</summary>
    public string Endpoint { get; }

    /// <summary>A client for the endpoint named by <c>SPIFFE_ENDPOINT_SOCKET</c>.</summary>
    /// <exception cref="SlimIdentityException">The variable is unset or invalid (<see cref="SlimErrorCode.IdentityConfigurationInvalid"/>).</exception>
    public static SpiffeWorkloadApiClient FromEnvironment(SpiffeWorkloadApiOptions? options = null)
    {
        var endpoint = Environment.GetEnvironmentVariable(EndpointEnvironmentVariable);
        return string.IsNullOrEmpty(endpoint)
            ? throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, $"{EndpointEnvironmentVariable} is not set.")
            : new SpiffeWorkloadApiClient(endpoint, options);
    }

    /// <summary>
    /// Fetches JWT-SVIDs for <paramref name="audiences"/>: every SPIFFE ID the workload is entitled to, or only
    /// <paramref name="spiffeId"/> when given.
    /// </summary>
    /// <exception cref="SlimIdentityException">The call failed or its reply is malformed (<see cref="SlimErrorCode.IdentityWorkloadApiFailed"/>).</exception>
    public async Task<IReadOnlyList<JwtSvid>> FetchJwtSvidsAsync(
        IEnumerable<string> audiences, string? spiffeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        var request = new JWTSVIDRequest { SpiffeId = spiffeId ?? string.Empty };
        request.Audience.AddRange(audiences);
        if (request.Audience.Count == 0)
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityConfigurationInvalid, "A JWT-SVID needs at least one audience.");
        }

        var reply = await CallAsync(FetchJwtSvidPath, request, JWTSVIDResponse.Parser, cancellationToken).ConfigureAwait(false);
        var svids = new List<JwtSvid>(reply.Svids.Count);
        foreach (var svid in reply.Svids)
        {
            svids.Add(ToSvid(svid));
        }

        return svids.Count > 0 ? svids : throw Failed("FetchJWTSVID returned no SVID");
    }

    /// <summary>
    /// Fetches the JWT bundles of every trust domain the workload trusts: the first reply of the
    /// <c>FetchJWTBundles</c> stream (the stream is then closed).
    /// </summary>
    /// <exception cref="SlimIdentityException">The call failed or a bundle is malformed (<see cref="SlimErrorCode.IdentityWorkloadApiFailed"/>).</exception>
    public async Task<IReadOnlyList<SpiffeBundle>> FetchJwtBundlesAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(FetchJwtBundlesPath, new JWTBundlesRequest(), JWTBundlesResponse.Parser, cancellationToken).ConfigureAwait(false);
        var bundles = new List<SpiffeBundle>(reply.Bundles.Count);
        foreach (var (trustDomain, json) in reply.Bundles)
        {
            try
            {
                bundles.Add(SpiffeBundle.Parse(trustDomain, json.Span));
            }
            catch (SlimIdentityException ex)
            {
                throw Failed($"FetchJWTBundles returned an unusable bundle: {ex.Message}", ex);
            }
        }

        return bundles;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    internal static bool TryParseUnixEndpoint(string endpoint, out string path)
    {
        path = endpoint switch
        {
            _ when endpoint.StartsWith("unix:///", StringComparison.Ordinal) => endpoint["unix://".Length..],
            _ when endpoint.StartsWith("unix:/", StringComparison.Ordinal) && !endpoint.StartsWith("unix://", StringComparison.Ordinal) => endpoint["unix:".Length..],
            _ when endpoint.StartsWith('/') => endpoint,
            _ => string.Empty,
        };
        return path.Length > 1 && !path.Contains('?', StringComparison.Ordinal) && !path.Contains('#', StringComparison.Ordinal);
    }

    internal static bool TryParseTcpEndpoint(string endpoint, out IPEndPoint address)
    {
        address = null!;
        const string scheme = "tcp://";
        if (!endpoint.StartsWith(scheme, StringComparison.Ordinal) ||
            !IPEndPoint.TryParse(endpoint[scheme.Length..].TrimEnd('/'), out var parsed) || parsed.Port == 0)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static JwtSvid ToSvid(JWTSVID svid)
    {
        if (!SpiffeId.TryParse(svid.SpiffeId, out var id, out var error))
        {
            throw Failed($"FetchJWTSVID returned an invalid SPIFFE ID: {error}");
        }

        if (!JwtValidation.TryParse(svid.Svid, "JWT-SVID", out var parsed, out var failure))
        {
            throw Failed($"FetchJWTSVID returned an unreadable token ({failure.Error})");
        }

        if (parsed!.Claims.ExpiresAt is not { } exp || parsed.Claims.Subject != svid.SpiffeId)
        {
            throw Failed("FetchJWTSVID returned a token without exp or whose sub is not its SPIFFE ID");
        }

        return new JwtSvid(id, svid.Svid, svid.Hint, DateTimeOffset.FromUnixTimeSeconds(exp), parsed.Claims.Audiences);
    }

    private static SlimIdentityException Failed(string message, Exception? inner = null) =>
        new(SlimErrorCode.IdentityWorkloadApiFailed, "SPIFFE Workload API: " + message + ".", inner);

    /// <summary>
    /// Sends one request message and returns the first reply message: the whole answer of a unary call, the first
    /// update of a server stream (whose stream is then abandoned).
    /// </summary>
    private async Task<TReply> CallAsync<TReply>(string path, IMessage request, MessageParser<TReply> parser, CancellationToken cancellationToken)
        where TReply : IMessage<TReply>
    {
        var body = new ArrayBufferWriter<byte>(GrpcFraming.PrefixSize + request.CalculateSize());
        GrpcFraming.WriteFrame(body, request.ToByteArray());
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ReadOnlyMemoryContent(body.WrittenMemory),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation(SecurityHeader, "true");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw Failed($"{path} answered HTTP {(int)response.StatusCode}");
            }

            // A trailers-only reply (an error before any message) carries grpc-status in the headers.
            ThrowOnStatus(response.Headers, path);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var payload = await ReadFirstFrameAsync(stream, path, timeout.Token).ConfigureAwait(false);
                if (payload is null)
                {
                    ThrowOnStatus(response.TrailingHeaders, path);
                    throw Failed($"{path} ended without a reply");
                }

                try
                {
                    return parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw Failed($"{path} returned a malformed message", ex);
                }
            }
        }
        catch (HttpRequestException ex)
        {
            throw Failed($"cannot reach {Endpoint}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Failed($"the connection to {Endpoint} failed: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed($"{path} timed out after {_timeout.TotalSeconds:0.#} s", ex);
        }
    }

    private static async Task<byte[]?> ReadFirstFrameAsync(Stream stream, string path, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
            switch (GrpcFraming.TryReadFrame(ref sequence, MaxMessageSize, out var payload))
            {
                case FrameStatus.Complete:
                    return payload.ToArray();
                case FrameStatus.Incomplete:
                    break;
                default:
                    throw Failed($"{path} returned an invalid or oversized frame");
            }

            var read = await stream.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (buffer.WrittenCount > 0)
                {
                    throw Failed($"{path} returned a truncated frame");
                }

                return null;
            }

            buffer.Advance(read);
        }
    }

    private static void ThrowOnStatus(HttpHeaders headers, string path)
    {
        if (!headers.TryGetValues("grpc-status", out var values))
        {
            return;
        }

        var status = values.FirstOrDefault();
        if (status == "0")
        {
            return;
        }

        var detail = headers.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.FirstOrDefault() ?? string.Empty) : string.Empty;
        throw Failed($"{path} failed with gRPC status {status}{(detail.Length > 0 ? ": " + detail : string.Empty)}");
    }
}
