using Slim.Protocol;

namespace Slim.Client.Tests;

public sealed class ConnectionOptionsTests
{
    [Fact]
    public void The_official_client_configuration_json_is_read()
    {
        var options = SlimConnectionOptions.FromJson(
            """
            {
              "endpoint": "https://node.example:46357",
              "server_name": "slim.internal",
              "connect_timeout": "1m30s",
              "headers": { "Authorization": "Bearer abc" },
              "tls": { "insecure": false, "insecure_skip_verify": true, "ca_file": "ca.pem", "cert_file": "me.pem", "key_file": "me.key" },
              "compression": "gzip"
            }
            """);

        Assert.Equal(new Uri("https://node.example:46357"), options.GetEndpointUri());
        Assert.Equal(TimeSpan.FromSeconds(90), options.ConnectTimeout);
        Assert.Equal("Bearer abc", options.Headers["authorization"]);
        Assert.Equal("slim.internal", options.Tls.ServerName);
        Assert.True(options.Tls.InsecureSkipVerify);
        Assert.Equal(("ca.pem", "me.pem", "me.key"), (options.Tls.CaFile, options.Tls.CertificateFile, options.Tls.KeyFile));
    }

    [Theory]
    [InlineData("""{"endpoint": "http://127.0.0.1:46357", "tls": {"insecure": true}}""", "http://127.0.0.1:46357/")]
    [InlineData("""{"endpoint": "127.0.0.1:46357", "tls": {"insecure": true}}""", "http://127.0.0.1:46357/")]
    [InlineData("""{"endpoint": "127.0.0.1:46357"}""", "https://127.0.0.1:46357/")]
    [InlineData("""{"endpoint": "http://localhost:1234"}""", "http://localhost:1234/")]
    public void The_scheme_follows_the_endpoint_or_the_insecure_flag(string json, string expected)
    {
        Assert.Equal(new Uri(expected), SlimConnectionOptions.FromJson(json).GetEndpointUri());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"tls": {"insecure": true}}""")]
    [InlineData("""{"endpoint": 5}""")]
    [InlineData("""{"endpoint": "https://h:1", "tls": {"insecure": true}}""")]
    [InlineData("""{"endpoint": "ftp://h:1"}""")]
    [InlineData("""{"endpoint": "http://h:1", "connect_timeout": "soon"}""")]
    [InlineData("""{"endpoint": "http://h:1", "connect_timeout": "5 parsecs"}""")]
    [InlineData("""{"endpoint": "http://h:1", "tls": {"cert_file": "me.pem"}}""")]
    [InlineData("""{"endpoint": "http://h:1", "tls": {"insecure": "yes"}}""")]
    [InlineData("""{"endpoint": "http://h:1", "headers": {"x": 1}}""")]
    public void Invalid_configurations_fail_with_a_typed_error(string json)
    {
        var error = Assert.ThrowsAny<SlimException>(() => SlimConnectionOptions.FromJson(json));
        Assert.Equal(SlimErrorCode.ClientConfigurationInvalid, error.ErrorCode);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1.5s", 1_500)]
    public void Durations_read_like_official_configurations(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SlimConnectionOptions.ParseDuration(text));
    }
}
