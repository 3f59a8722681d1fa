using Slim.Node.Configuration;
using Slim.Node.Hosting;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests.Ours;

/// <summary>
/// Our node (<see cref="SlimNodeHost"/>, in this process) as an <see cref="INodeUnderTest"/>, started from node YAML
/// like the <c>slim</c> executable. Single nodes and chains of nodes; every server listens on 127.0.0.1 port 0.
/// </summary>
internal sealed class OurNode : IMultiNodeUnderTest
{
    private readonly IReadOnlyList<SlimNodeHost> _hosts;
    private readonly RingLog _log;

    private OurNode(IReadOnlyList<SlimNodeHost> hosts, RingLog log, string description)
    {
        _hosts = hosts;
        _log = log;
        Description = description;
    }

    public IReadOnlyList<SlimNodeHost> Hosts => _hosts;

    public string Description { get; }

    public Uri Endpoint => _hosts[0].Endpoints[0];

    /// <summary>Apps alternate between the nodes of a chain: the first app on the first node, the second on the next, ...</summary>
    public Uri EndpointFor(int appIndex) => _hosts[appIndex % _hosts.Count].Endpoints[0];

    public string RecentDiagnostics() => _log.Text();

    /// <summary>One node; strict (header MACs required) unless <paramref name="requireHeaderMac"/> is false.</summary>
    public static async Task<OurNode> StartAsync(bool requireHeaderMac = true, CancellationToken cancellationToken = default)
    {
        var log = new RingLog("our node");
        var host = await SlimNodeHost.StartAsync(NodeConfigurationLoader.Parse(ServerYaml("ours-single", requireHeaderMac), "our node"), log, cancellationToken);
        var mode = requireHeaderMac ? "strict" : "lenient";
        return new OurNode([host], log, $"our {mode} node on {host.Endpoints[0].Authority}");
    }

    /// <summary>
    /// <paramref name="count"/> nodes in a line: node i+1 links to node i with a <c>connection_type: peer</c> client
    /// entry, so subscriptions propagate along the chain. Returns once every link is up.
    /// </summary>
    public static async Task<OurNode> StartChainAsync(int count, CancellationToken cancellationToken = default)
    {
        var log = new RingLog("our chain");
        var hosts = new List<SlimNodeHost>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var yaml = ServerYaml($"ours-{i}", requireHeaderMac: true);
                if (i > 0)
                {
                    yaml += $"""

                              clients:
                                - endpoint: "{hosts[i - 1].Endpoints[0]}"
                                  connection_type: peer
                                  tls:
                                    insecure: true
                        """;
                }

                hosts.Add(await SlimNodeHost.StartAsync(NodeConfigurationLoader.Parse(yaml, $"chain node {i}"), log, cancellationToken));
            }

            foreach (var host in hosts)
            {
                await host.WaitForLinksAsync(cancellationToken);
            }
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }

            throw;
        }

        return new OurNode(hosts, log, $"chain of {count} of our nodes ({string.Join(" <- ", hosts.Select(h => h.Endpoints[0].Authority))})");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Reverse())
        {
            await host.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    private static string ServerYaml(string nodeId, bool requireHeaderMac) => $"""
        runtime:
          drain_timeout: 2s
        services:
          slim/0:
            node_id: {nodeId}
            dataplane:
              servers:
                - endpoint: "127.0.0.1:0"
                  require_header_mac: {(requireHeaderMac ? "true" : "false")}
                  tls:
                    insecure: true
        """;
}

/// <summary>One of our nodes, strict (as the stock node), shared by the tests of a class.</summary>
public sealed class OurNodeFixture : NodeUnderTestFixture
{
    /// <inheritdoc />
    protected override async Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken) =>
        await OurNode.StartAsync(requireHeaderMac: true, cancellationToken);
}

/// <summary>Two of our nodes linked as peers; the apps of a scenario alternate between them.</summary>
public sealed class OurChainedNodesFixture : NodeUnderTestFixture
{
    /// <inheritdoc />
    protected override async Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken) =>
        await OurNode.StartChainAsync(2, cancellationToken);
}
