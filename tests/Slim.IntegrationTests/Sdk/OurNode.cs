using Microsoft.Extensions.Logging;
using Slim.DataPlane.Processing;
using Slim.Node.Configuration;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.Sdk;

/// <summary>
/// Our node for the SDK tests: a <see cref="SlimNodeHost"/>, as the <c>slim</c> executable runs it, in this process,
/// with one server on 127.0.0.1 (port 0 unless given, TLS when given). The tests use the host itself; this only
/// writes its configuration.
/// </summary>
internal static class OurNode
{
    /// <summary>Starts a node; a <paramref name="port"/> of a stopped node starts it again on the same address.</summary>
    public static Task<SlimNodeHost> StartAsync(ILoggerFactory? log = null, int port = 0, GrpcServerTlsOptions? tls = null) =>
        SlimNodeHost.StartAsync(
                new NodeConfiguration
                {
                    SourceName = "SDK test node",
                    DrainTimeout = TimeSpan.FromSeconds(1),
                    DataPlane = DataPlaneOptions.Default with { NodeId = "test-node" },
                    Servers = [new NodeServerOptions { Transport = new GrpcServerOptions { Endpoints = [$"127.0.0.1:{port}"], Tls = tls } }],
                },
                log,
                TestContext.Current.CancellationToken)
            .WithTimeout(what: "starting our node");

    /// <summary>Where apps connect: <c>http://127.0.0.1:port</c>, or <c>https://</c> with TLS.</summary>
    public static string Endpoint(this SlimNodeHost node) => node.Endpoints[0].GetLeftPart(UriPartial.Authority);

    /// <summary>The port the node's server is bound to.</summary>
    public static int Port(this SlimNodeHost node) => node.BoundEndpoints[0].Port;
}
