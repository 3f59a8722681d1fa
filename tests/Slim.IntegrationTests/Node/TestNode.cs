using Slim.Node.Configuration;
using Slim.Node.Hosting;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>An in-process <see cref="SlimNodeHost"/> started from node YAML, with a collecting log; stopped on dispose.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private TestNode(SlimNodeHost host, NodeLog log)
    {
        Host = host;
        Log = log;
    }

    public SlimNodeHost Host { get; }

    public NodeLog Log { get; }

    public Uri Endpoint => Host.Endpoints[0];

    /// <summary>Error event ids the test expects; any other error the node logs fails the test at dispose.</summary>
    public int[] AllowedErrorIds { get; set; } = [];

    /// <summary>Parses <paramref name="yaml"/> (relative paths from <paramref name="baseDirectory"/>), lets the test adjust it, starts the node.</summary>
    public static async Task<TestNode> StartAsync(string yaml, Func<NodeConfiguration, NodeConfiguration>? adjust = null, string? baseDirectory = null)
    {
        var configuration = NodeConfigurationLoader.Parse(yaml, "test node", baseDirectory: baseDirectory);
        configuration = adjust?.Invoke(configuration) ?? configuration;
        var log = new NodeLog();
        var host = await SlimNodeHost.StartAsync(configuration, log).WithTimeout(what: "node start");
        return new TestNode(host, log);
    }

    /// <summary>A node with one clear-text server on 127.0.0.1 port 0 and whatever <paramref name="extraServerKeys"/> add to it.</summary>
    public static Task<TestNode> StartInsecureAsync(string extraServerKeys = "", Func<NodeConfiguration, NodeConfiguration>? adjust = null) =>
        StartAsync(Yaml.Node(Yaml.InsecureServer(extraServerKeys)), adjust);

    public Task<RawSlimClient> ConnectAsync(bool offerKey = true) =>
        RawSlimClient.ConnectAsync(Endpoint, offerKey).WithTimeout(what: $"connecting to {Endpoint}");

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(TimeSpan.FromSeconds(5)).WithTimeout(what: "node stop");
        Log.AssertNoUnexpectedErrors(AllowedErrorIds);
    }
}

/// <summary>Node YAML for tests.</summary>
internal static class Yaml
{
    /// <summary>A whole configuration around <paramref name="dataplaneBody"/> (lines under <c>dataplane:</c>, indented 0).</summary>
    public static string Node(string dataplaneBody, string serviceExtra = "", string top = "") => $"""
        {top}
        runtime:
          drain_timeout: 2s
        services:
          slim/0:
            {Indent(serviceExtra, 4)}
            dataplane:
              {Indent(dataplaneBody, 6)}
        """;

    /// <summary><c>servers:</c> with one clear-text server on 127.0.0.1 port 0 plus <paramref name="extraKeys"/> (indented 0).</summary>
    public static string InsecureServer(string extraKeys = "") => $"""
        servers:
          - endpoint: "127.0.0.1:0"
            tls:
              insecure: true
            {Indent(extraKeys, 4)}
        """;

    /// <summary>One client entry to <paramref name="endpoint"/>, clear text, plus <paramref name="extraKeys"/>.</summary>
    public static string PeerClient(Uri endpoint, string extraKeys = "") => $"""
        clients:
          - endpoint: "{endpoint}"
            connection_type: peer
            tls:
              insecure: true
            {Indent(extraKeys, 4)}
        """;

    public static string Indent(string text, int spaces) => text.Replace("\n", "\n" + new string(' ', spaces), StringComparison.Ordinal);
}
