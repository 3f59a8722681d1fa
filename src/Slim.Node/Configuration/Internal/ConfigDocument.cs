using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Slim.Node.Configuration.Internal;

/// <summary>
/// The context of one configuration being read: where it came from, how relative paths and <c>${env:…}</c> /
/// <c>${file:…}</c> substitutions resolve, the notices collected on the way, and how errors are reported.
/// </summary>
internal sealed partial class ConfigDocument
{
    private readonly Func<string, string?> _environment;

    public ConfigDocument(string source, string baseDirectory, Func<string, string?> environment)
    {
        Source = source;
        BaseDirectory = baseDirectory;
        _environment = environment;
    }

    public string Source { get; }

    /// <summary>Relative paths (TLS files, <c>${file:…}</c>) resolve against this folder: the working directory, as for the official node.</summary>
    public string BaseDirectory { get; }

    public List<string> Notices { get; } = [];

    public NodeConfigurationException Error(YamlNode? node, string path, string reason, Exception? inner = null)
    {
        var line = 0;
        var column = 0;
        if (node is not null && node.Start.Line > 0)
        {
            line = (int)node.Start.Line;
            column = (int)node.Start.Column;
        }

        return new NodeConfigurationException(Source, path, line, column, reason, inner);
    }

    public string ResolvePath(string path) => Path.GetFullPath(path, BaseDirectory);

    /// <summary>
    /// Replaces every <c>${env:NAME}</c> by the environment variable and every <c>${file:PATH}</c> by the file's
    /// content (exactly, newlines included, as the official node does). A missing variable or unreadable file is an
    /// error at <paramref name="path"/>.
    /// </summary>
    public string Substitute(string text, YamlNode node, string path)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var last = 0;
        foreach (Match match in Substitution().Matches(text))
        {
            result.Append(text, last, match.Index - last);
            var provider = match.Groups["provider"].Value;
            var argument = match.Groups["argument"].Value;
            if (argument.Length == 0)
            {
                throw Error(node, path, $"'{match.Value}' names no {(provider == "env" ? "variable" : "file")}");
            }

            if (provider == "env")
            {
                result.Append(_environment(argument) ?? throw Error(node, path, $"environment variable '{argument}' (from '{match.Value}') is not set"));
            }
            else
            {
                var file = ResolvePath(argument);
                try
                {
                    result.Append(File.ReadAllText(file));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
                {
                    throw Error(node, path, $"cannot read '{argument}' (from '{match.Value}'): {ex.Message}", ex);
                }
            }

            last = match.Index + match.Length;
        }

        result.Append(text, last, text.Length - last);
        return result.ToString();
    }

    [GeneratedRegex(@"\$\{(?<provider>env|file):(?<argument>[^}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Substitution();
}
