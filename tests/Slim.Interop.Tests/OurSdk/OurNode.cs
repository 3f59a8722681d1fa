using Slim.DataPlane.Processing;
using Slim.Node.Hosting;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests.OurSdk;

/// <summary>
/// Our node in the test process: a <see cref="MessageProcessor"/> behind a <see cref="GrpcStreamServer"/> on
/// 127.0.0.1 port 0, strict like a stock official node (link keys and header MACs required).
/// </summary>
public sealed class OurNode : INodeUnderTest
{
    private readonly MessageProcessor _processor;
    private readonly GrpcStreamServer _server;
    private readonly CollectingLoggerFactory _log;

    private OurNode(MessageProcessor processor, GrpcStreamServer server, CollectingLoggerFactory log)
    {
        _processor = processor;
        _server = server;
        _log = log;
        Endpoint = new Uri($"http://127.0.0.1:{server.BoundEndpoints[0].Port}");
    }

    /// <inheritdoc />
    public string Description => $"our node on {Endpoint.Authority}";

    /// <inheritdoc />
    public Uri Endpoint { get; }

    /// <summary>Starts the node.</summary>
    public static async Task<OurNode> StartAsync(CancellationToken cancellationToken)
    {
        var log = new CollectingLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Information);
        var processor = new MessageProcessor(DataPlaneOptions.Default, log);
        var server = new GrpcStreamServer(
            new GrpcServerOptions { Endpoints = ["127.0.0.1:0"] }, (stream, token) => processor.AcceptAsync(stream, token), log);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            await processor.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new OurNode(processor, server, log);
    }

    /// <inheritdoc />
    public string RecentDiagnostics() => string.Join(Environment.NewLine, _log.Entries.TakeLast(200));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        await _processor.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One of our nodes for all the tests of a class.</summary>
public sealed class OurNodeFixture : NodeUnderTestFixture
{
    /// <inheritdoc />
    protected override async Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken) =>
        await OurNode.StartAsync(cancellationToken).ConfigureAwait(false);
}
