using Slim.Node.Configuration;
using Slim.Protocol;

namespace Slim.Node.Tests.Configuration;

/// <summary>Every invalid configuration is refused with the key path, the line and the reason.</summary>
public sealed class ConfigurationErrorTests
{
    private const string Server = """
                - endpoint: "127.0.0.1:0"
                  tls:
                    insecure: true
        """;

    private static NodeConfigurationException Refuse(string yaml, Func<string, string?>? environment = null, string? baseDirectory = null)
    {
        var error = Assert.Throws<NodeConfigurationException>(() =>
            NodeConfigurationLoader.Parse(yaml, "node.yaml", environment ?? (_ => null), baseDirectory));
        Assert.Equal(SlimErrorCode.ConfigurationInvalid, error.ErrorCode);
        Assert.StartsWith("node.yaml", error.Message, StringComparison.Ordinal);
        return error;
    }

    /// <summary>A node with one server entry; <paramref name="server"/>'s lines are indented relative to the entry's keys.</summary>
    private static string WithServer(string server) => $"""
        services:
          slim/0:
            dataplane:
              servers:
                - {server.Replace("\n", "\n          ", StringComparison.Ordinal)}
        """;

    /// <summary>A node with one client entry; <paramref name="client"/>'s lines are indented relative to the entry's keys.</summary>
    private static string WithClient(string client) => $"""
        services:
          slim/0:
            dataplane:
              clients:
                - {client.Replace("\n", "\n          ", StringComparison.Ordinal)}
        """;

    [Fact]
    public void An_unknown_top_level_key_is_named_with_the_keys_that_exist()
    {
        var error = Refuse($"""
            tracng:
              log_level: info
            services:
              slim/0:
                dataplane:
                  servers:
            {Server}
            """);

        Assert.Equal("tracng", error.KeyPath);
        Assert.Equal(1, error.Line);
        Assert.Contains("unknown key 'tracng'", error.Reason, StringComparison.Ordinal);
        Assert.Contains("tracing, runtime, services", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_nested_key_is_named_with_its_full_path()
    {
        var error = Refuse(WithServer("""
            endpiont: "127.0.0.1:0"
            tls:
              insecure: true
            """));

        Assert.Equal("services.slim/0.dataplane.servers[0].endpiont", error.KeyPath);
        Assert.Equal(5, error.Line);
        Assert.Contains("unknown key 'endpiont'", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tracing:\n  log_level: [info]", "tracing.log_level", "expected a single value")]
    [InlineData("tracing:\n  log_level: loud", "tracing.log_level", "not a log level")]
    [InlineData("tracing:\n  display_thread_names: maybe", "tracing.display_thread_names", "expected true or false")]
    [InlineData("runtime:\n  n_cores: many", "runtime.n_cores", "expected a whole number")]
    [InlineData("runtime:\n  n_cores: -1", "runtime.n_cores", "out of range")]
    [InlineData("runtime: 5", "runtime", "expected a mapping")]
    public void A_value_of_the_wrong_type_is_refused(string section, string path, string reason)
    {
        var error = Refuse($"""
            {section}
            services:
              slim/0:
                dataplane:
                  servers:
            {Server}
            """);

        Assert.Equal(path, error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_where_a_list_is_expected_only()
    {
        var error = Refuse("""
            services:
              slim/0:
                dataplane:
                  servers: "127.0.0.1:46357"
            """);

        Assert.Equal("services.slim/0.dataplane.servers", error.KeyPath);
        Assert.Contains("expected a list", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_without_endpoint_is_refused()
    {
        var error = Refuse(WithServer("""
            tls:
              insecure: true
            """));

        Assert.Equal("services.slim/0.dataplane.servers[0].endpoint", error.KeyPath);
        Assert.Contains("missing", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_without_endpoint_is_refused()
    {
        var error = Refuse("""
            services:
              slim/0:
                dataplane:
                  clients:
                    - tls:
                        insecure: true
            """);

        Assert.Equal("services.slim/0.dataplane.clients[0].endpoint", error.KeyPath);
        Assert.Contains("missing", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10", "without a unit")]
    [InlineData("ten seconds", "not a duration")]
    [InlineData("5x", "unknown unit 'x'")]
    [InlineData("1.5s", "whole numbers")]
    [InlineData("\"\"", "cannot be empty")]
    public void A_bad_duration_is_refused(string value, string reason)
    {
        var error = Refuse(ConfigurationLoadingTests.WithRuntime($"drain_timeout: {value}"));

        Assert.Equal("runtime.drain_timeout", error.KeyPath);
        Assert.Equal(2, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tls_file_is_refused_with_the_path_looked_for()
    {
        using var pki = new Slim.Testing.TestPki();
        var error = Refuse(
            WithServer($"""
                endpoint: "0.0.0.0:46357"
                tls:
                  source:
                    type: file
                    cert: "./certs/server.pem"
                    key: "{pki.ServerKeyFile}"
                """),
            baseDirectory: pki.Directory);

        Assert.Equal("services.slim/0.dataplane.servers[0].tls.source.cert", error.KeyPath);
        Assert.Contains("'./certs/server.pem' does not exist", error.Reason, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(pki.Directory, "certs", "server.pem"), error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_and_a_key_that_do_not_match_are_refused()
    {
        using var pki = new Slim.Testing.TestPki();
        var error = Refuse(WithServer($"""
            endpoint: "0.0.0.0:46357"
            tls:
              source:
                type: file
                cert: "{pki.ServerCertificateFile}"
                key: "{pki.ClientKeyFile}"
            """));

        Assert.Equal("services.slim/0.dataplane.servers[0].tls.source", error.KeyPath);
        Assert.Contains("cannot load the certificate", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("endpoint: \"0.0.0.0:46357\"", "services.slim/0.dataplane.servers[0]")]
    [InlineData("endpoint: \"0.0.0.0:46357\"\ntls:\n  insecure: false", "services.slim/0.dataplane.servers[0].tls")]
    [InlineData("endpoint: \"0.0.0.0:46357\"\ntls:\n  source:\n    type: none", "services.slim/0.dataplane.servers[0].tls.source")]
    public void A_secure_server_without_a_certificate_is_refused(string server, string path)
    {
        var error = Refuse(WithServer(server));

        Assert.Equal(path, error.KeyPath);
        Assert.Contains("tls.insecure", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("env:NOT_SET", "environment variable 'NOT_SET'")]
    [InlineData("file:/definitely/not/here.txt", "cannot read '/definitely/not/here.txt'")]
    [InlineData("env:", "names no variable")]
    public void A_substitution_that_cannot_be_resolved_is_refused(string expression, string reason)
    {
        var error = Refuse($$"""
            services:
              slim/0:
                node_id: "${{{expression}}}"
                dataplane:
                  servers:
            {{Server}}
            """);

        Assert.Equal("services.slim/0.node_id", error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("peers:\n  deployment_name: x", "services.slim/0.peers", "peer replica sync")]
    [InlineData("dataplane:\n  enforce_pqc: true", "services.slim/0.dataplane.enforce_pqc", "post-quantum")]
    public void Unsupported_service_features_are_refused_not_ignored(string section, string path, string reason)
    {
        var error = Refuse($"""
            services:
              slim/0:
                {section.Replace("\n", "\n    ", StringComparison.Ordinal)}
            """);

        Assert.Equal(path, error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("endpoint: \"ws://0.0.0.0:46357\"", "endpoint", "ws:// servers are not supported")]
    [InlineData("endpoint: \"my-host:46357\"", "endpoint", "must be an IPv4 address")]
    [InlineData("endpoint: \"0.0.0.0:99999\"", "endpoint", "port must be a number")]
    [InlineData("endpoint: \"0.0.0.0:1\"\ntls:\n  source:\n    type: spire", "tls.source.type", "SPIRE")]
    [InlineData("endpoint: \"0.0.0.0:1\"\ntls:\n  insecure: true\nauth:\n  type: jwt", "auth.type", "auth type 'jwt' is not supported")]
    [InlineData("endpoint: \"0.0.0.0:1\"\ntls:\n  insecure: true\nmax_frame_size: 0", "max_frame_size", "out of range")]
    public void Unsupported_or_invalid_server_settings_are_refused(string server, string key, string reason)
    {
        var error = Refuse(WithServer(server));

        Assert.Equal($"services.slim/0.dataplane.servers[0].{key}", error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("endpoint: \"unix:///tmp/slim.sock\"", "endpoint", "unix:// endpoints are not supported")]
    [InlineData("endpoint: \"https://10.0.0.1:1\"\ntls:\n  insecure: true", "endpoint", "https:// but tls.insecure is true")]
    [InlineData("endpoint: \"http://10.0.0.1:1\"\nconnection_type: sideways", "connection_type", "not one of: edge, peer, remote")]
    [InlineData("endpoint: \"http://10.0.0.1:1\"\nproxy:\n  url: http://proxy:8080", "proxy.url", "proxy is not supported")]
    [InlineData("endpoint: \"http://10.0.0.1:1\"\nheaders:\n  te: gzip", "headers.te", "reserved")]
    [InlineData("endpoint: \"http://10.0.0.1:1\"\nbackoff:\n  type: linear", "backoff.type", "not one of: exponential, fixed_interval")]
    [InlineData("endpoint: \"https://10.0.0.1:1\"\ntls:\n  source:\n    type: pem\n    cert: x\n    key: y", "tls.source.type", "PEM text is not supported")]
    public void Unsupported_or_invalid_client_settings_are_refused(string client, string key, string reason)
    {
        var error = Refuse(WithClient(client));

        Assert.Equal($"services.slim/0.dataplane.clients[0].{key}", error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Servers_of_one_node_must_agree_on_engine_wide_settings()
    {
        var error = Refuse("""
            services:
              slim/0:
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:0"
                      tls:
                        insecure: true
                    - endpoint: "127.0.0.1:0"
                      max_frame_size: 8
                      tls:
                        insecure: true
            """);

        Assert.Equal("services.slim/0.dataplane.servers[1]", error.KeyPath);
        Assert.Contains("max_frame_size must be the same on every server", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("services:\n  slim/0:\n    dataplane:\n      servers: []\n      clients: []", "services.slim/0.dataplane", "at least one server")]
    [InlineData("services: {}", "services", "no service is configured")]
    [InlineData("services:\n  gateway/0:\n    dataplane: {}", "services.gateway/0", "is not a service id")]
    [InlineData("services:\n  slim/0:\n    node_id: a", "services.slim/0.dataplane", "missing")]
    [InlineData("tracing:\n  log_level: info", "services", "missing")]
    public void A_node_without_anything_to_do_is_refused(string yaml, string path, string reason)
    {
        var error = Refuse(yaml);

        Assert.Equal(path, error.KeyPath);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_services_are_refused()
    {
        var error = Refuse($"""
            services:
              slim/0:
                dataplane:
                  servers:
            {Server}
              slim/1:
                dataplane:
                  servers:
            {Server}
            """);

        Assert.Equal("services.slim/1", error.KeyPath);
        Assert.Contains("one service", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("services:\n  slim/0: [", "not valid YAML")]
    [InlineData("services:\n  slim/0: {}\n  slim/0: {}", "not valid YAML")]
    [InlineData("", "empty")]
    [InlineData("# only a comment", "empty")]
    public void Text_that_is_not_one_yaml_document_is_refused(string yaml, string reason)
    {
        var error = Refuse(yaml);

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
