using Slim.Protocol;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>The <c>slim</c> executable as users run it: <c>--version</c>, configuration errors, start failures, signals.</summary>
public sealed class SlimExecutableTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int SigInt = 2;
    private const int SigTerm = 15;
    private readonly string _folder = Directory.CreateTempSubdirectory("slim-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Version_prints_the_node_and_wire_versions()
    {
        await using var slim = SlimProcess.Start("--version");
        Assert.Equal(0, await slim.WaitForExitAsync().WithTimeout());
        Assert.Matches(@"^slim \d+\.\d+\.\d+", slim.Stdout);
        Assert.Contains($"wire {SlimConstants.WireVersion}", slim.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown key", "services:\n  slim/0:\n    dataplane:\n      servres: []", "services.slim/0.dataplane.servres", "unknown key 'servres'")]
    [InlineData("wrong type", "runtime:\n  n_cores: lots\nservices: {}", "runtime.n_cores", "expected a whole number")]
    [InlineData("missing endpoint", "services:\n  slim/0:\n    dataplane:\n      servers:\n        - tls:\n            insecure: true", "servers[0].endpoint", "missing")]
    [InlineData("bad duration", "runtime:\n  drain_timeout: soon\nservices: {}", "runtime.drain_timeout", "'soon' is not a duration")]
    [InlineData("missing TLS file", "services:\n  slim/0:\n    dataplane:\n      servers:\n        - endpoint: \"127.0.0.1:0\"\n          tls:\n            source:\n              type: file\n              cert: ./missing-cert.pem\n              key: ./missing-key.pem", "tls.source.cert", "'./missing-cert.pem' does not exist")]
    public async Task An_invalid_configuration_is_reported_with_the_key_and_a_non_zero_exit(string what, string yaml, string key, string reason)
    {
        var path = Path.Combine(_folder, $"{what.Replace(' ', '-')}.yaml");
        await File.WriteAllTextAsync(path, yaml, TestContext.Current.CancellationToken);

        await using var slim = SlimProcess.Start("--config", path);
        Assert.Equal(1, await slim.WaitForExitAsync().WithTimeout());
        Assert.StartsWith($"slim: invalid configuration: {path}:", slim.Stderr, StringComparison.Ordinal);
        Assert.Contains(key, slim.Stderr, StringComparison.Ordinal);
        Assert.Contains(reason, slim.Stderr, StringComparison.Ordinal);
        Assert.Empty(slim.Stdout);
    }

    [Fact]
    public async Task A_configuration_file_that_does_not_exist_is_reported()
    {
        var path = Path.Combine(_folder, "absent.yaml");
        await using var slim = SlimProcess.Start("--config", path);
        Assert.Equal(1, await slim.WaitForExitAsync().WithTimeout());
        Assert.Contains("absent.yaml", slim.Stderr, StringComparison.Ordinal);
        Assert.Contains("cannot read the configuration file", slim.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_exit_code_2()
    {
        await using var first = SlimProcess.Start("--config", WriteConfig("127.0.0.1:0"));
        var endpoint = await first.WaitForEndpointAsync().WithTimeout(what: $"the first node to listen{Environment.NewLine}{first}");

        await using var second = SlimProcess.Start("--config", WriteConfig($"127.0.0.1:{endpoint.Port}"));
        Assert.Equal(2, await second.WaitForExitAsync().WithTimeout());
        Assert.Contains("slim: cannot start", second.Stderr, StringComparison.Ordinal);
        Assert.Contains(endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Stderr, StringComparison.Ordinal);
        await first.SignalAsync(SigTerm).WithTimeout();
        Assert.Equal(0, await first.WaitForExitAsync().WithTimeout());
    }

    [Theory]
    [InlineData(SigTerm, "SIGTERM")]
    [InlineData(SigInt, "SIGINT")]
    public async Task A_signal_drains_the_node_and_exits_cleanly(int signal, string name)
    {
        await using var slim = SlimProcess.Start("--config", WriteConfig("127.0.0.1:0", drain: "5s"));
        var endpoint = await slim.WaitForEndpointAsync().WithTimeout(what: $"the node to listen{Environment.NewLine}{slim}");
        await slim.WaitForLineAsync(l => l.Contains("[641]", StringComparison.Ordinal)).WithTimeout();

        await using var client = await RawSlimClient.ConnectAsync(endpoint, cancellationToken: Ct).WithTimeout();
        var clientName = new SlimName("org", "cli", "client", 1);
        Assert.True((await client.SubscribeAsync(clientName, clientName, 1, Ct).WithTimeout()).Success);
        var closed = client.ReceiveUntilClosedAsync(Ct);

        await slim.SignalAsync(signal).WithTimeout();
        Assert.Equal(0, await slim.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(10), $"the node to exit after {name}"));
        await closed.WithTimeout(what: "the client's stream to end");
        Assert.Contains($"shutting down ({name})", slim.Stdout, StringComparison.Ordinal);
        Assert.Contains("Connection 1 (Edge 127.0.0.1:", slim.Stdout, StringComparison.Ordinal);
        Assert.Contains("slim.dataplane.messages.received{kind=subscribe} = 1", slim.Stdout, StringComparison.Ordinal);
        Assert.Contains("[649]", slim.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("ERROR", slim.Stdout, StringComparison.Ordinal);
    }

    private string WriteConfig(string endpoint, string drain = "2s")
    {
        var path = Path.Combine(_folder, $"node-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            tracing:
              log_level: info
              display_thread_names: true
              display_thread_ids: true
            runtime:
              drain_timeout: {drain}
            services:
              slim/0:
                node_id: cli-test
                dataplane:
                  servers:
                    - endpoint: "{endpoint}"
                      tls:
                        insecure: true
            """);
        return path;
    }
}
