using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>The node host in-process on 127.0.0.1 port 0: routing between real HTTP/2 clients, the log a user follows, TLS, auth, drain.</summary>
public sealed class NodeHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SlimName Alice = new("org", "node", "alice", 0xA11CE);
    private static readonly SlimName Bob = new("org", "node", "bob", 0xB0B);

    [Fact]
    public async Task A_node_routes_between_two_clients_and_logs_what_happens()
    {
        await using var node = await TestNode.StartInsecureAsync();
        var port = node.Host.BoundEndpoints[0].Port;
        Assert.NotEqual(0, port);
        await node.Log.WaitForEventAsync(620, $"http://127.0.0.1:{port}").WithTimeout(what: "the listening line");
        await node.Log.WaitForEventAsync(641, "started").WithTimeout();

        await using (var alice = await node.ConnectAsync())
        await using (var bob = await node.ConnectAsync())
        {
            Assert.True(alice.HasKey);
            Assert.True((await alice.SubscribeAsync(Alice, Alice, 1, Ct).WithTimeout()).Success);
            await bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "hi alice"), cancellationToken: Ct).WithTimeout();
            Assert.Equal("hi alice", RawSlimClient.TextOf(await alice.ReceivePublishAsync(Ct).WithTimeout()));
        }

        // Opened and closed, with the peer and the connection type.
        var opened = await node.Log.WaitForEventAsync(3001, "Edge 127.0.0.1:").WithTimeout(what: "the connection-opened line");
        Assert.Contains("header MAC True", opened.Message, StringComparison.Ordinal);
        await node.Log.WaitForEventAsync(3002, "Edge 127.0.0.1:").WithTimeout(what: "the connection-closed line");

        var metrics = node.Host.GetMetrics();
        Assert.True(metrics.Sum("slim.dataplane.messages.forwarded", "kind", "publish") >= 1, metrics.ToString());
        Assert.True(metrics.Sum("slim.dataplane.messages.received", "kind", "subscribe") >= 1, metrics.ToString());
    }

    [Fact]
    public async Task A_chain_of_two_nodes_carries_messages_both_ways()
    {
        await using var east = await TestNode.StartInsecureAsync();
        await using var west = await TestNode.StartAsync(Yaml.Node(Yaml.InsecureServer() + "\n" + Yaml.PeerClient(east.Endpoint)));
        var link = await west.Host.Links[0].Connected.WithTimeout(what: "west's link to east");
        Assert.Equal(Slim.DataPlane.Tables.ConnectionType.Peer, link.ConnectionType);
        await west.Log.WaitForEventAsync(644, "Link to http://127.0.0.1").WithTimeout(what: "the link-up line");

        await using var alice = await east.ConnectAsync();
        await using var bob = await west.ConnectAsync();
        Assert.True((await alice.SubscribeAsync(Alice, Alice, 1, Ct).WithTimeout()).Success);
        Assert.True((await bob.SubscribeAsync(Bob, Bob, 2, Ct).WithTimeout()).Success);

        await bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "west to east"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("west to east", RawSlimClient.TextOf(await alice.ReceivePublishAsync(Ct).WithTimeout()));
        await alice.SendAsync(RawSlimClient.TextPublish(Alice, Bob, "east to west"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("east to west", RawSlimClient.TextOf(await bob.ReceivePublishAsync(Ct).WithTimeout()));
    }

    [Fact]
    public async Task A_chain_of_three_nodes_carries_messages_end_to_end()
    {
        await using var a = await TestNode.StartInsecureAsync();
        await using var b = await TestNode.StartAsync(Yaml.Node(Yaml.InsecureServer() + "\n" + Yaml.PeerClient(a.Endpoint)));
        await using var c = await TestNode.StartAsync(Yaml.Node(Yaml.InsecureServer() + "\n" + Yaml.PeerClient(b.Endpoint)));
        await b.Host.WaitForLinksAsync(Ct).WithTimeout();
        await c.Host.WaitForLinksAsync(Ct).WithTimeout();

        await using var alice = await a.ConnectAsync();
        await using var carol = await c.ConnectAsync();
        var carolName = new SlimName("org", "node", "carol", 0xCA201);
        Assert.True((await alice.SubscribeAsync(Alice, Alice, 1, Ct).WithTimeout()).Success);
        Assert.True((await carol.SubscribeAsync(carolName, carolName, 2, Ct).WithTimeout()).Success);

        await alice.SendAsync(RawSlimClient.TextPublish(Alice, carolName, "two hops"), cancellationToken: Ct).WithTimeout();
        var atCarol = await carol.ReceivePublishAsync(Ct).WithTimeout(what: "carol receiving across two nodes");
        Assert.Equal("two hops", RawSlimClient.TextOf(atCarol));
        Assert.Equal(SlimConstants.DefaultTtl - 3, atCarol.GetSlimHeader()!.Ttl); // a, b and c each took one
        await carol.SendAsync(RawSlimClient.TextPublish(carolName, new SlimName("org", "node", "alice"), "and back"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("and back", RawSlimClient.TextOf(await alice.ReceivePublishAsync(Ct).WithTimeout()));
    }

    [Fact]
    public async Task A_link_to_a_node_that_is_not_up_yet_retries_until_it_is()
    {
        var port = Slim.Testing.Interop.LoopbackPort.GetFree();
        var later = new Uri($"http://127.0.0.1:{port}");
        await using var early = await TestNode.StartAsync(Yaml.Node(Yaml.InsecureServer() + "\n" + Yaml.PeerClient(
            later, "backoff:\n  type: fixed_interval\n  interval: 100ms")));
        await early.Log.WaitForEventAsync(645, $"127.0.0.1:{port}").WithTimeout(what: "a failed attempt");
        Assert.False(early.Host.Links[0].Connected.IsCompleted);

        await using var late = await TestNode.StartAsync(Yaml.Node($"""
            servers:
              - endpoint: "127.0.0.1:{port}"
                tls:
                  insecure: true
            """));
        await early.Host.WaitForLinksAsync(Ct).WithTimeout(what: "the link once the other node is up");
        await early.Log.WaitForEventAsync(644).WithTimeout();
    }

    [Fact]
    public async Task A_tls_node_serves_clients_that_trust_its_ca()
    {
        using var pki = new TestPki();
        await using var node = await TestNode.StartAsync(Yaml.Node($"""
            servers:
              - endpoint: "127.0.0.1:0"
                tls:
                  source:
                    type: file
                    cert: "{pki.ServerCertificateFile}"
                    key: "{pki.ServerKeyFile}"
            """));
        Assert.Equal("https", node.Endpoint.Scheme);

        var trusting = new GrpcClientOptions { Tls = new GrpcClientTlsOptions { CaFile = pki.CaFile, IncludeSystemTrust = false } };
        await using var client = await RawSlimClient.ConnectAsync(node.Endpoint, options: trusting, cancellationToken: Ct).WithTimeout();
        await client.BarrierAsync(Ct).WithTimeout();

        var untrusting = new GrpcClientOptions { Tls = new GrpcClientTlsOptions { IncludeSystemTrust = false, CaFile = pki.OtherCaFile } };
        var refused = await Assert.ThrowsAsync<SlimTransportException>(() => RawSlimClient.ConnectAsync(node.Endpoint, options: untrusting, cancellationToken: Ct)).WithTimeout();
        Assert.Equal(SlimErrorCode.ConnectFailed, refused.ErrorCode);
    }

    [Fact]
    public async Task A_mutual_tls_node_in_pem_form_requires_a_client_certificate_from_its_ca()
    {
        using var pki = new TestPki();
        await using var node = await TestNode.StartAsync(Yaml.Node($$"""
            servers:
              - endpoint: "127.0.0.1:0"
                tls:
                  source:
                    type: pem
                    cert: "${file:{{pki.ServerCertificateFile}}}"
                    key: "${file:{{pki.ServerKeyFile}}}"
                  client_ca:
                    type: file
                    path: "{{pki.CaFile}}"
            """));

        var withCertificate = new GrpcClientOptions
        {
            Tls = new GrpcClientTlsOptions { CaFile = pki.CaFile, CertificateFile = pki.ClientCertificateFile, KeyFile = pki.ClientKeyFile },
        };
        await using (var client = await RawSlimClient.ConnectAsync(node.Endpoint, options: withCertificate, cancellationToken: Ct).WithTimeout())
        {
            await client.BarrierAsync(Ct).WithTimeout();
        }

        var withoutCertificate = new GrpcClientOptions { Tls = new GrpcClientTlsOptions { CaFile = pki.CaFile } };
        await Assert.ThrowsAsync<SlimTransportException>(() => RawSlimClient.ConnectAsync(node.Endpoint, options: withoutCertificate, cancellationToken: Ct)).WithTimeout();
        var intruder = new GrpcClientOptions
        {
            Tls = new GrpcClientTlsOptions { CaFile = pki.CaFile, CertificateFile = pki.OtherClientCertificateFile, KeyFile = pki.OtherClientKeyFile },
        };
        await Assert.ThrowsAsync<SlimTransportException>(() => RawSlimClient.ConnectAsync(node.Endpoint, options: intruder, cancellationToken: Ct)).WithTimeout();
    }

    [Fact]
    public async Task A_node_links_to_a_tls_node_with_the_client_tls_settings()
    {
        using var pki = new TestPki();
        await using var secure = await TestNode.StartAsync(Yaml.Node($"""
            servers:
              - endpoint: "127.0.0.1:0"
                tls:
                  source:
                    type: file
                    cert: "{pki.ServerCertificateFile}"
                    key: "{pki.ServerKeyFile}"
                  client_ca:
                    type: file
                    path: "{pki.CaFile}"
            """));
        await using var edge = await TestNode.StartAsync(Yaml.Node(Yaml.InsecureServer() + $"""

            clients:
              - endpoint: "{secure.Endpoint}"
                connection_type: peer
                tls:
                  include_system_ca_certs_pool: false
                  ca_source:
                    type: file
                    path: "{pki.CaFile}"
                  source:
                    type: file
                    cert: "{pki.ClientCertificateFile}"
                    key: "{pki.ClientKeyFile}"
            """));
        await edge.Host.WaitForLinksAsync(Ct).WithTimeout(what: "the mTLS link");

        await using var alice = await secure.ConnectWithClientCertificateAsync(pki);
        await using var bob = await edge.ConnectAsync();
        Assert.True((await alice.SubscribeAsync(Alice, Alice, 1, Ct).WithTimeout()).Success);
        await bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "over mTLS"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("over mTLS", RawSlimClient.TextOf(await alice.ReceivePublishAsync(Ct).WithTimeout()));
    }

    [Fact]
    public async Task Basic_auth_admits_the_right_credentials_only()
    {
        await using var node = await TestNode.StartInsecureAsync("auth:\n  type: basic\n  username: node\n  password: s3cret");
        var right = new GrpcClientOptions { Headers = [new("authorization", "Basic bm9kZTpzM2NyZXQ=")] };
        await using (var client = await RawSlimClient.ConnectAsync(node.Endpoint, options: right, cancellationToken: Ct).WithTimeout())
        {
            await client.BarrierAsync(Ct).WithTimeout();
        }

        var wrong = new GrpcClientOptions { Headers = [new("authorization", "Basic bm9kZTp3cm9uZw==")] };
        var refused = await Assert.ThrowsAsync<SlimTransportException>(() => RawSlimClient.ConnectAsync(node.Endpoint, options: wrong, cancellationToken: Ct)).WithTimeout();
        Assert.Equal(GrpcStatusCode.Unauthenticated, refused.StatusCode);
        await node.Log.WaitForEventAsync(652, "basic-auth").WithTimeout();
    }

    [Fact]
    public async Task Stopping_closes_open_connections_and_reports_the_metrics()
    {
        var node = await TestNode.StartInsecureAsync();
        await using var client = await node.ConnectAsync();
        Assert.True((await client.SubscribeAsync(Alice, Alice, 1, Ct).WithTimeout()).Success);

        var closed = client.ReceiveUntilClosedAsync(Ct);
        await node.DisposeAsync();
        await closed.WithTimeout(what: "the client's stream to end when the node stops");
        await node.Log.WaitForEventAsync(648, "draining").WithTimeout();
        var metrics = await node.Log.WaitForEventAsync(651).WithTimeout();
        Assert.Contains("slim.dataplane.messages.received{kind=subscribe} = 1", metrics.Message, StringComparison.Ordinal);
        await node.Log.WaitForEventAsync(649, "stopped").WithTimeout();
    }

    [Fact]
    public async Task Metrics_are_logged_on_an_interval_when_opentelemetry_is_enabled()
    {
        await using var node = await TestNode.StartAsync(Yaml.Node(
            Yaml.InsecureServer(),
            top: "tracing:\n  opentelemetry:\n    enabled: true\n    metrics_interval_secs: 1"));
        await node.Log.WaitForEventAsync(642, "OpenTelemetry").WithTimeout();
        await node.Log.WaitForEventAsync(651).WithTimeout(what: "the first periodic metrics line");
    }
}

/// <summary>Connecting to TLS test nodes.</summary>
internal static class TlsNodeExtensions
{
    /// <summary>A raw client of a node whose server uses <paramref name="pki"/> and requires client certificates.</summary>
    public static Task<RawSlimClient> ConnectWithClientCertificateAsync(this TestNode node, TestPki pki) =>
        RawSlimClient.ConnectAsync(
            node.Endpoint,
            options: new GrpcClientOptions
            {
                Tls = new GrpcClientTlsOptions { CaFile = pki.CaFile, CertificateFile = pki.ClientCertificateFile, KeyFile = pki.ClientKeyFile },
            }, cancellationToken: TestContext.Current.CancellationToken).WithTimeout(what: "connecting over mTLS");
}
