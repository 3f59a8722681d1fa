using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Tables;
using Slim.Node.Configuration;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Node.Tests.Configuration;

/// <summary>Configurations shaped like the official seed configs load as written, with the official defaults.</summary>
public sealed class ConfigurationLoadingTests
{
    private static NodeConfiguration Parse(string yaml, Func<string, string?>? environment = null, string? baseDirectory = null) =>
        NodeConfigurationLoader.Parse(yaml, "test.yaml", environment ?? (_ => null), baseDirectory);

    [Fact]
    public void The_base_server_config_loads_as_written()
    {
        var configuration = Parse("""
            tracing:
              log_level: info
              display_thread_names: true
              display_thread_ids: true

            runtime:
              n_cores: 0
              thread_name: "slim-data-plane"
              drain_timeout: 10s

            services:
              slim/0:
                node_id: slim-server
                dataplane:
                  servers:
                    - endpoint: "0.0.0.0:46357"
                      tls:
                        insecure: true
                  clients: []
            """);

        Assert.Equal("slim/0", configuration.ServiceId);
        Assert.Equal("slim-server", configuration.DataPlane.NodeId);
        Assert.Equal(LogLevel.Information, configuration.Logging.MinimumLevel);
        Assert.True(configuration.Logging.ShowThreadNames);
        Assert.True(configuration.Logging.ShowThreadIds);
        Assert.Equal("slim-data-plane", configuration.ThreadName);
        Assert.Equal(TimeSpan.FromSeconds(10), configuration.DrainTimeout);
        var server = Assert.Single(configuration.Servers);
        Assert.Equal(["0.0.0.0:46357"], server.Transport.Endpoints);
        Assert.Null(server.Transport.Tls);
        Assert.Null(server.BasicAuth);
        Assert.Empty(configuration.Clients);
        Assert.True(configuration.DataPlane.RequireHeaderMac);
        Assert.Equal(SlimConstants.DefaultMaxMessageSize, configuration.DataPlane.MaxMessageSize);
        Assert.Equal(SlimConstants.LinkNegotiationTimeout, configuration.DataPlane.NegotiationTimeout);
        Assert.Empty(configuration.Notices);
    }

    [Fact]
    public void The_base_client_config_links_to_a_node_with_the_official_default_backoff()
    {
        var configuration = Parse("""
            services:
              slim/0:
                node_id: slim-client
                dataplane:
                  clients:
                    - endpoint: "http://localhost:46357"
                      tls:
                        insecure: true
            """);

        Assert.Empty(configuration.Servers);
        var client = Assert.Single(configuration.Clients);
        Assert.Equal(new Uri("http://localhost:46357"), client.Transport.Endpoint);
        Assert.Null(client.Transport.Tls);
        Assert.Equal(ConnectionType.Edge, client.Link.ConnectionType);
        Assert.Null(client.Link.LinkId);
        Assert.Null(client.Link.RequireHeaderMac);

        // exponential, base 100, factor 1, max 1s: 100 ms, then 1 s.
        Assert.Equal(TimeSpan.FromMilliseconds(100), client.Link.ReconnectInitialDelay);
        Assert.Equal(100, client.Link.ReconnectMultiplier);
        Assert.Equal(TimeSpan.FromSeconds(1), client.Link.ReconnectMaxDelay);
        Assert.Null(client.Link.MaxReconnectAttempts);
    }

    [Fact]
    public void A_west_node_of_the_east_west_sample_links_to_east_as_a_peer()
    {
        var configuration = Parse("""
            services:
              slim/0:
                node_id: slim-west
                dataplane:
                  servers:
                    - endpoint: "0.0.0.0:46358"
                      tls:
                        insecure: true
                  clients:
                    - endpoint: "http://127.0.0.1:46357"
                      connection_type: peer
                      link_id: "west-to-east"
                      require_header_mac: false
                      tls:
                        insecure: true
            """);

        var client = Assert.Single(configuration.Clients);
        Assert.Equal(ConnectionType.Peer, client.Link.ConnectionType);
        Assert.Equal("west-to-east", client.Link.LinkId);
        Assert.False(client.Link.RequireHeaderMac);
        Assert.Equal("http://127.0.0.1:46357", client.Link.Description);
    }

    [Theory]
    [InlineData("type: exponential\n            base: 200\n            factor: 1\n            max_delay: 1500ms\n            jitter: true", 200, 200.0, 1500, null)]
    [InlineData("type: exponential\n            base: 2\n            factor: 100\n            max_delay: 10s\n            max_attempts: 7", 200, 2.0, 10_000, 7)]
    [InlineData("type: fixed_interval\n            interval: 2000ms", 2000, 1.0, 2000, null)]
    [InlineData("type: fixed_interval\n            interval: 2s\n            max_attempts: 5", 2000, 1.0, 2000, 5)]
    public void Backoff_settings_map_to_the_link_reconnect_delays(string backoff, int firstMs, double multiplier, int maxMs, int? attempts)
    {
        var configuration = Parse($"""
            services:
              slim/a:
                dataplane:
                  clients:
                    - endpoint: "http://127.0.0.1:46357"
                      tls:
                        insecure: true
                      backoff:
                        {backoff}
            """);

        var link = Assert.Single(configuration.Clients).Link;
        Assert.Equal(TimeSpan.FromMilliseconds(firstMs), link.ReconnectInitialDelay);
        Assert.Equal(multiplier, link.ReconnectMultiplier);
        Assert.Equal(TimeSpan.FromMilliseconds(maxMs), link.ReconnectMaxDelay);
        Assert.Equal(attempts, link.MaxReconnectAttempts);
        Assert.Equal("slim/a", configuration.ServiceId);
    }

    [Fact]
    public void A_controller_section_is_accepted_and_flagged()
    {
        var configuration = Parse("""
            services:
              slim/a:
                dataplane:
                  servers:
                    - endpoint: "0.0.0.0:46357"
                      tls:
                        insecure: true
                  clients: []
                controller:
                  servers:
                    - endpoint: "0.0.0.0:46358"
                  clients:
                    - endpoint: "http://127.0.0.1:50052"
                      tls:
                        insecure: true
                      backoff:
                        type: fixed_interval
                        interval: 2000ms
            """);

        Assert.True(configuration.HasControllerSection);
    }

    [Fact]
    public void Tracing_filters_levels_and_opentelemetry_are_read()
    {
        var configuration = Parse("""
            tracing:
              log_level: debug
              display_thread_names: false
              filters:
                - slim_service::service=debug
                - Slim.DataPlane=warn
                - Slim.Node
              filter: "Slim.Transport=error, Microsoft=off"
              opentelemetry:
                enabled: true
                service_name: "slim-data-plane"
                service_version: "v0.1.0"
                metrics_interval_secs: 5
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:0"
                      tls:
                        insecure: true
            """);

        var logging = configuration.Logging;
        Assert.Equal(LogLevel.Debug, logging.MinimumLevel);
        Assert.False(logging.ShowThreadNames);
        Assert.Equal(
            [
                new NodeLogFilter("slim_service::service", LogLevel.Debug),
                new NodeLogFilter("Slim.DataPlane", LogLevel.Warning),
                new NodeLogFilter("Slim.Node", LogLevel.Debug),
                new NodeLogFilter("Slim.Transport", LogLevel.Error),
                new NodeLogFilter("Microsoft", LogLevel.None),
            ],
            logging.Filters);
        Assert.Equal(TimeSpan.FromSeconds(5), logging.MetricsInterval);
        Assert.Contains(configuration.Notices, n => n.Contains("OpenTelemetry", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("0s", 0)]
    [InlineData("1500us", 1.5)]
    public void Durations_use_the_official_units(string text, double milliseconds)
    {
        var configuration = Parse(WithRuntime($"drain_timeout: {text}"));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), configuration.DrainTimeout);
    }

    [Fact]
    public void Environment_and_file_substitutions_replace_values_anywhere_in_a_string()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "node-id.txt"), "node-from-file");
        var environment = new Dictionary<string, string> { ["PORT"] = "46400", ["LEVEL"] = "warn", ["DRAIN"] = "3s" };
        var configuration = Parse(
            """
            tracing:
              log_level: "${env:LEVEL}"
            runtime:
              drain_timeout: ${env:DRAIN}
            services:
              slim/0:
                node_id: "${file:node-id.txt}"
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:${env:PORT}"
                      tls:
                        insecure: true
            """,
            name => environment.GetValueOrDefault(name),
            folder.Path);

        Assert.Equal(LogLevel.Warning, configuration.Logging.MinimumLevel);
        Assert.Equal(TimeSpan.FromSeconds(3), configuration.DrainTimeout);
        Assert.Equal("node-from-file", configuration.DataPlane.NodeId);
        Assert.Equal(["127.0.0.1:46400"], Assert.Single(configuration.Servers).Transport.Endpoints);
    }

    [Fact]
    public void Server_tls_from_files_with_a_client_ca_is_mutual_tls()
    {
        using var pki = new TestPki();
        var configuration = Parse(
            $"""
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "0.0.0.0:46357"
                      tls:
                        tls_version: tls1.2
                        source:
                          type: file
                          cert: "{Path.GetFileName(pki.ServerCertificateFile)}"
                          key: "{Path.GetFileName(pki.ServerKeyFile)}"
                        client_ca:
                          type: file
                          path: "{Path.GetFileName(pki.CaFile)}"
            """,
            baseDirectory: pki.Directory);

        var tls = Assert.Single(configuration.Servers).Transport.Tls;
        Assert.NotNull(tls);
        Assert.Equal(pki.ServerCertificateFile, tls.CertificateFile);
        Assert.Equal(pki.ServerKeyFile, tls.KeyFile);
        Assert.Equal(pki.CaFile, tls.ClientCaFile);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, tls.EnabledProtocols);
    }

    [Fact]
    public void Server_tls_in_pem_form_takes_the_text_from_file_substitutions()
    {
        using var pki = new TestPki();
        var configuration = Parse(
            $"""
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "0.0.0.0:46357"
                      tls:
                        source:
                          type: pem
                          cert: "${"{"}file:{pki.ServerCertificateFile}{"}"}"
                          key: "${"{"}file:{pki.ServerKeyFile}{"}"}"
                        client_ca:
                          type: pem
                          data: "${"{"}file:{pki.CaFile}{"}"}"
            """);

        var tls = Assert.Single(configuration.Servers).Transport.Tls;
        Assert.NotNull(tls);
        Assert.Null(tls.CertificateFile);
        Assert.Equal(File.ReadAllText(pki.ServerCertificateFile), tls.CertificatePem);
        Assert.Equal(File.ReadAllText(pki.ServerKeyFile), tls.KeyPem);
        Assert.Equal(File.ReadAllText(pki.CaFile), tls.ClientCaPem);
        Assert.Equal(SslProtocols.Tls13, tls.EnabledProtocols);
    }

    [Fact]
    public void Client_tls_takes_a_ca_a_client_certificate_and_a_server_name()
    {
        using var pki = new TestPki();
        var configuration = Parse($"""
            services:
              slim/0:
                dataplane:
                  clients:
                    - endpoint: "https://localhost:46357"
                      server_name: slim.test
                      tls:
                        include_system_ca_certs_pool: false
                        source:
                          type: file
                          cert: "{pki.ClientCertificateFile}"
                          key: "{pki.ClientKeyFile}"
                        ca_source:
                          type: file
                          path: "{pki.CaFile}"
            """);

        var tls = Assert.Single(configuration.Clients).Transport.Tls;
        Assert.NotNull(tls);
        Assert.Equal(pki.CaFile, tls.CaFile);
        Assert.Equal(pki.ClientCertificateFile, tls.CertificateFile);
        Assert.Equal(pki.ClientKeyFile, tls.KeyFile);
        Assert.Equal("slim.test", tls.ServerName);
        Assert.False(tls.IncludeSystemTrust);
        Assert.False(tls.InsecureSkipVerify);
    }

    [Theory]
    [InlineData("10.0.0.2:46357", true, "http://10.0.0.2:46357/")]
    [InlineData("10.0.0.2:46357", false, "https://10.0.0.2:46357/")]
    [InlineData("http://10.0.0.2:46357", false, "http://10.0.0.2:46357/")]
    public void A_bare_client_endpoint_takes_its_scheme_from_tls_insecure(string endpoint, bool insecure, string expected)
    {
        var configuration = Parse($"""
            services:
              slim/0:
                dataplane:
                  clients:
                    - endpoint: "{endpoint}"
                      tls:
                        insecure: {(insecure ? "true" : "false")}
            """);

        Assert.Equal(new Uri(expected), Assert.Single(configuration.Clients).Transport.Endpoint);
    }

    [Fact]
    public void Basic_auth_guards_a_server_and_is_sent_by_a_client()
    {
        var configuration = Parse(
            """
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:46357"
                      tls:
                        insecure: true
                      auth:
                        type: basic
                        username: node
                        password: ${env:PASSWORD}
                  clients:
                    - endpoint: "http://127.0.0.1:46358"
                      tls:
                        insecure: true
                      headers:
                        x-client-id: slim-instance-01
                      auth:
                        type: basic
                        username: node
                        password: "s3cret"
            """,
            name => name == "PASSWORD" ? "from-env" : null);

        Assert.Equal(new BasicCredentials("node", "from-env"), Assert.Single(configuration.Servers).BasicAuth);
        var headers = Assert.Single(configuration.Clients).Transport.Headers;
        Assert.Contains(new KeyValuePair<string, string>("x-client-id", "slim-instance-01"), headers);
        Assert.Contains(new KeyValuePair<string, string>("authorization", "Basic bm9kZTpzM2NyZXQ="), headers);
        Assert.DoesNotContain("from-env", new BasicCredentials("node", "from-env").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Server_limits_and_strictness_reach_the_data_plane_and_the_transport()
    {
        var configuration = Parse("""
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:0"
                      max_frame_size: 1
                      max_concurrent_streams: 10
                      require_header_mac: false
                      negotiation_timeout_secs: 2
                      tcp_quickack: false
                      keepalive:
                        time: 30s
                        timeout: 5s
                        max_connection_idle: 1h
                      tls:
                        insecure: true
                    - endpoint: "[::1]:0"
                      max_frame_size: 1
                      require_header_mac: false
                      negotiation_timeout_secs: 2
                      tls:
                        insecure: true
            """);

        Assert.Equal(1024 * 1024, configuration.DataPlane.MaxMessageSize);
        Assert.False(configuration.DataPlane.RequireHeaderMac);
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.DataPlane.NegotiationTimeout);
        var transport = configuration.Servers[0].Transport;
        Assert.Equal(10, transport.MaxStreamsPerConnection);
        Assert.False(transport.TcpQuickAck);
        Assert.True(configuration.Servers[1].Transport.TcpQuickAck);
        Assert.Equal(TimeSpan.FromSeconds(30), transport.KeepAlivePingInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), transport.KeepAlivePingTimeout);
        Assert.Equal(["[::1]:0"], configuration.Servers[1].Transport.Endpoints);
        Assert.Contains(configuration.Notices, n => n.StartsWith("services.slim/0.dataplane.servers[0].keepalive.max_connection_idle", StringComparison.Ordinal));
    }

    [Fact]
    public void The_embedded_default_is_one_clear_text_server_on_the_default_port()
    {
        var configuration = NodeConfigurationLoader.Default();

        Assert.Equal("embedded default", configuration.SourceName);
        var server = Assert.Single(configuration.Servers);
        Assert.Equal(["127.0.0.1:46357"], server.Transport.Endpoints);
        Assert.Null(server.Transport.Tls);
        Assert.Empty(configuration.Clients);
        Assert.Equal(TimeSpan.FromSeconds(10), configuration.DrainTimeout);
        Assert.True(configuration.DataPlane.RequireHeaderMac);
    }

    [Fact]
    public void Load_reads_a_file_and_names_it_in_errors()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "node.yaml");
        File.WriteAllText(path, WithRuntime("drain_timeout: 2s"));
        Assert.Equal(TimeSpan.FromSeconds(2), NodeConfigurationLoader.Load(path).DrainTimeout);

        var missing = Assert.Throws<NodeConfigurationException>(() => NodeConfigurationLoader.Load(Path.Combine(folder.Path, "absent.yaml")));
        Assert.Contains("absent.yaml", missing.Message, StringComparison.Ordinal);
        Assert.Equal(SlimErrorCode.ConfigurationInvalid, missing.ErrorCode);
    }

    internal static string WithRuntime(string runtimeLine) => $"""
        runtime:
          {runtimeLine}
        services:
          slim/0:
            dataplane:
              servers:
                - endpoint: "127.0.0.1:0"
                  tls:
                    insecure: true
        """;
}
