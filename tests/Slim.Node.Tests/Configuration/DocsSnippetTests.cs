using System.Text.RegularExpressions;
using Slim.DataPlane.Tables;
using Slim.Node.Configuration;
using Slim.Testing;

namespace Slim.Node.Tests.Configuration;

/// <summary>Every YAML block of docs/configuration.md is a configuration the node accepts.</summary>
public sealed partial class DocsSnippetTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["SLIM_LOG_LEVEL"] = "debug",
        ["SLIM_NODE_ID"] = "docs-node",
        ["SLIM_PORT"] = "46357",
    };

    public static TheoryData<int> Snippets()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < YamlBlocks().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_snippet_loads(int index)
    {
        using var pki = new TestPki();
        var configuration = Load(YamlBlocks()[index], index, pki);
        Assert.True(configuration.Servers.Count + configuration.Clients.Count > 0);
    }

    [Fact]
    public void The_page_has_the_snippets_it_promises()
    {
        using var pki = new TestPki();
        var blocks = YamlBlocks();
        Assert.True(blocks.Count >= 10, $"found {blocks.Count} yaml blocks");
        var loaded = blocks.Select((yaml, i) => Load(yaml, i, pki)).ToList();
        Assert.Contains(loaded, c => c.Clients.Any(client => client.Link.ConnectionType == ConnectionType.Peer));
        Assert.Contains(loaded, c => c.Clients.Any(client => client.Transport.Tls?.CertificateFile is not null));
        Assert.Contains(loaded, c => c.Servers.Any(s => s.Transport.Tls?.ClientCaFile is not null));
        Assert.Contains(loaded, c => c.Servers.Any(s => s.Transport.Tls?.CertificatePem is not null));
        Assert.Contains(loaded, c => c.Logging.MetricsInterval is not null);
        Assert.Contains(loaded, c => c.DataPlane.NodeId == "docs-node");
    }

    /// <summary>Loads a snippet from a folder holding the files the page refers to (./certs/*.pem).</summary>
    private static NodeConfiguration Load(string yaml, int index, TestPki pki)
    {
        var certs = Path.Combine(pki.Directory, "certs");
        if (!Directory.Exists(certs))
        {
            Directory.CreateDirectory(certs);
            File.Copy(pki.ServerCertificateFile, Path.Combine(certs, "server.pem"));
            File.Copy(pki.ServerKeyFile, Path.Combine(certs, "server-key.pem"));
            File.Copy(pki.CaFile, Path.Combine(certs, "ca.pem"));
            File.Copy(pki.ClientCertificateFile, Path.Combine(certs, "client.pem"));
            File.Copy(pki.ClientKeyFile, Path.Combine(certs, "client-key.pem"));
        }

        return NodeConfigurationLoader.Parse(yaml, $"docs/configuration.md block {index}", name => Environment.GetValueOrDefault(name), pki.Directory);
    }

    private static List<string> YamlBlocks()
    {
        var text = File.ReadAllText(Path.Combine(SharedReference.RepositoryRoot, "docs", "configuration.md"));
        return [.. YamlBlock().Matches(text).Select(m => m.Groups["yaml"].Value)];
    }

    [GeneratedRegex("```yaml\\n(?<yaml>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
