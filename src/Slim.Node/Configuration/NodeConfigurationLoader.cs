using Slim.Node.Configuration.Internal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slim.Node.Configuration;

/// <summary>
/// Reads the node YAML of an official SLIM node (<c>tracing</c>, <c>runtime</c>, <c>services</c>) into a
/// <see cref="NodeConfiguration"/>. Unknown keys, values of the wrong type, missing endpoints, bad durations and
/// missing TLS files are errors that name the key path; settings this node accepts but does not apply are listed in
/// <see cref="NodeConfiguration.Notices"/>. See <c>docs/configuration.md</c> for every key.
/// </summary>
public static class NodeConfigurationLoader
{
    /// <summary>
    /// The configuration <c>slim</c> runs without <c>--config</c>: one clear-text server on <c>127.0.0.1:46357</c>.
    /// </summary>
    public const string DefaultYaml = """
        tracing:
          log_level: info
        runtime:
          drain_timeout: 10s
        services:
          slim/0:
            dataplane:
              servers:
                - endpoint: "127.0.0.1:46357"
                  tls:
                    insecure: true
        """;

    /// <summary>The embedded default (<see cref="DefaultYaml"/>).</summary>
    public static NodeConfiguration Default() => Parse(DefaultYaml, "embedded default");

    /// <summary>Reads and validates the configuration file at <paramref name="path"/>.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="environment">Looks up <c>${env:NAME}</c>; the process environment when null.</param>
    /// <param name="baseDirectory">Folder that relative paths resolve against; the working directory when null (as the official node).</param>
    /// <exception cref="NodeConfigurationException">The file cannot be read or is not a valid node configuration.</exception>
    public static NodeConfiguration Load(string path, Func<string, string?>? environment = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new NodeConfigurationException(path, string.Empty, 0, 0, $"cannot read the configuration file: {ex.Message}", ex);
        }

        return Parse(text, path, environment, baseDirectory);
    }

    /// <summary>Parses and validates configuration text.</summary>
    /// <param name="yaml">The YAML document.</param>
    /// <param name="sourceName">Names the document in errors (a file path).</param>
    /// <param name="environment">Looks up <c>${env:NAME}</c>; the process environment when null.</param>
    /// <param name="baseDirectory">Folder that relative paths resolve against; the working directory when null.</param>
    /// <exception cref="NodeConfigurationException">The text is not a valid node configuration.</exception>
    public static NodeConfiguration Parse(
        string yaml, string sourceName = "configuration", Func<string, string?>? environment = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        var document = new ConfigDocument(
            sourceName,
            baseDirectory ?? Directory.GetCurrentDirectory(),
            environment ?? Environment.GetEnvironmentVariable);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Trim();
            throw new NodeConfigurationException(sourceName, string.Empty, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {reason}", ex);
        }

        if (stream.Documents.Count != 1)
        {
            throw new NodeConfigurationException(
                sourceName, string.Empty, 0, 0, stream.Documents.Count == 0 ? "the file is empty" : "expected one YAML document, found several");
        }

        var root = new ConfigValue(document, stream.Documents[0].RootNode, string.Empty);
        return new ConfigBinder(document).Bind(root);
    }
}
