using Slim.DataPlane.Processing;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.Sdk;

/// <summary>
/// Our node in this process: a <see cref="MessageProcessor"/> behind a <see cref="GrpcStreamServer"/> on 127.0.0.1
/// (port 0 unless given), as the <c>slim</c> executable composes them. Stopped on dispose.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private int _disposed;

    private TestNode(MessageProcessor processor, GrpcStreamServer server, CollectingLoggerFactory log)
    {
        Processor = processor;
        Server = server;
        Log = log;
    }

    public MessageProcessor Processor { get; }

    public GrpcStreamServer Server { get; }

    public CollectingLoggerFactory Log { get; }

    public int Port => Server.BoundEndpoints[0].Port;

    public string Endpoint => $"{(Server.IsTls ? "https" : "http")}://127.0.0.1:{Port}";

    public static async Task<TestNode> StartAsync(int port = 0, GrpcServerTlsOptions? tls = null, CollectingLoggerFactory? log = null)
    {
        log ??= new CollectingLoggerFactory();
        var processor = new MessageProcessor(new DataPlaneOptions { NodeId = "test-node" }, log);
        var server = new GrpcStreamServer(
            new GrpcServerOptions { Endpoints = [$"127.0.0.1:{port}"], Tls = tls },
            (stream, token) => processor.AcceptAsync(stream, token),
            log);
        try
        {
            await server.StartAsync().WithTimeout(what: "starting the node");
        }
        catch
        {
            await server.DisposeAsync();
            await processor.DisposeAsync();
            throw;
        }

        return new TestNode(processor, server, log);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Server.StopAsync(TimeSpan.FromSeconds(1)).WithTimeout(what: "stopping the node");
        await Server.DisposeAsync();
        await Processor.DisposeAsync();
    }
}
