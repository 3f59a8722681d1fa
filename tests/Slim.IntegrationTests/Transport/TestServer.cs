using System.Net;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.Transport;

/// <summary>A <see cref="GrpcStreamServer"/> on 127.0.0.1 port 0 with a collecting log, stopped on dispose.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(GrpcStreamServer server, TestLog log)
    {
        Server = server;
        Log = log;
    }

    public GrpcStreamServer Server { get; }

    public TestLog Log { get; }

    public IPEndPoint Endpoint => Server.BoundEndpoints[0];

    public Uri Uri => new($"{(Server.IsTls ? "https" : "http")}://127.0.0.1:{Endpoint.Port}");

    public GrpcClientOptions ClientOptions => new() { Endpoint = Uri, LoggerFactory = Log };

    public static async Task<TestServer> StartAsync(Func<IFrameStream, CancellationToken, Task> handler, GrpcServerOptions? options = null)
    {
        var log = new TestLog();
        var server = new GrpcStreamServer((options ?? new GrpcServerOptions()) with { Endpoints = ["127.0.0.1:0"] }, handler, log);
        await server.StartAsync().WithTimeout(what: "server start");
        return new TestServer(server, log);
    }

    /// <summary>A server whose handler echoes every byte back, then completes with status 0.</summary>
    public static Task<TestServer> StartEchoAsync(GrpcServerOptions? options = null) =>
        StartAsync(
            async (stream, token) =>
            {
                await Frames.EchoAsync(stream.Input, stream.Output, token);
                await stream.CompleteAsync();
            },
            options);

    public Task<IFrameStream> ConnectAsync(GrpcClientOptions? options = null) =>
        GrpcStreamClient.ConnectAsync(options ?? ClientOptions).WithTimeout(what: "connect");

    /// <summary>Error event ids the test expects; any other error logged by the server fails the test at dispose.</summary>
    public int[] AllowedErrorIds { get; set; } = [];

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(TimeSpan.FromSeconds(5)).WithTimeout(what: "server stop");
        Log.AssertNoUnexpectedErrors(AllowedErrorIds);
    }
}
