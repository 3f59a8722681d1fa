using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Slim.Identity.Spiffe.WorkloadApi;

namespace Slim.Identity.Tests.Support;

/// <summary>
/// A fake SPIFFE Workload API: Kestrel serving gRPC over HTTP/2 cleartext on a Unix socket in a temp directory.
/// Like a SPIRE agent it refuses calls without <c>workload.spiffe.io: true</c>, answers FetchJWTSVID from a test
/// function and keeps a FetchJWTBundles stream open after its first reply.
/// </summary>
internal sealed class FakeWorkloadApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;
    private int _svidCalls;
    private int _bundleCalls;

    private FakeWorkloadApi(WebApplication app, string directory, string socketPath)
    {
        _app = app;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public string Endpoint => "unix://" + SocketPath;

    /// <summary>Answers FetchJWTSVID: a reply, or a gRPC status code and message.</summary>
    public Func<JWTSVIDRequest, (JWTSVIDResponse? Reply, int Status, string Message)> FetchJwtSvid { get; set; } =
        _ => (null, 12, "not configured");

    /// <summary>The first reply of FetchJWTBundles.</summary>
    public Func<JWTBundlesResponse> FetchJwtBundles { get; set; } = () => new JWTBundlesResponse();

    public ConcurrentQueue<JWTSVIDRequest> SvidRequests { get; } = new();

    public int SvidCalls => Volatile.Read(ref _svidCalls);

    public int BundleCalls => Volatile.Read(ref _bundleCalls);

    public static async Task<FakeWorkloadApi> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("slim-spiffe-").FullName;
        var socketPath = Path.Combine(directory, "agent.sock");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var fake = new FakeWorkloadApi(app, directory, socketPath);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await _app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Directory.Delete(_directory, recursive: true);
    }

    private static byte[] Frame(IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static Task FailAsync(HttpContext context, int status, string message)
    {
        // Trailers-only: the status travels in the response headers.
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        return Task.CompletedTask;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Headers["workload.spiffe.io"] != "true")
        {
            await FailAsync(context, 3, "security header missing from request");
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var bytes = body.ToArray();
        if (bytes.Length < 5 || bytes[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)) != bytes.Length - 5)
        {
            await FailAsync(context, 13, "bad frame");
            return;
        }

        var payload = bytes.AsSpan(5).ToArray();
        switch (context.Request.Path.Value)
        {
            case "/SpiffeWorkloadAPI/FetchJWTSVID":
                Interlocked.Increment(ref _svidCalls);
                var request = JWTSVIDRequest.Parser.ParseFrom(payload);
                SvidRequests.Enqueue(request);
                var (reply, status, message) = FetchJwtSvid(request);
                if (reply is null)
                {
                    await FailAsync(context, status, message);
                    return;
                }

                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(Frame(reply), context.RequestAborted);
                context.Response.AppendTrailer("grpc-status", "0");
                return;

            case "/SpiffeWorkloadAPI/FetchJWTBundles":
                Interlocked.Increment(ref _bundleCalls);
                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(Frame(FetchJwtBundles()), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);

                // A real agent streams updates until the client goes away.
                var lifetime = context.RequestServices.GetRequiredService<IHostApplicationLifetime>();
                using (var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, done.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                return;

            default:
                await FailAsync(context, 12, "unknown method");
                return;
        }
    }
}
