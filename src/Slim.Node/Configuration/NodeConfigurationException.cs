using System.Globalization;
using Slim.Protocol;

namespace Slim.Node.Configuration;

/// <summary>
/// A node configuration file that cannot be used: the message names the file, the line, the key path
/// (<c>services.slim/0.dataplane.servers[0].endpoint</c>) and the reason.
/// </summary>
public sealed class NodeConfigurationException : SlimException
{
    /// <summary>Creates the exception for a problem at <paramref name="keyPath"/>.</summary>
    /// <param name="source">The file (or other source) of the configuration.</param>
    /// <param name="keyPath">The dotted key path; empty for the whole document.</param>
    /// <param name="line">1-based line of the offending value, or 0 when unknown.</param>
    /// <param name="column">1-based column, or 0 when unknown.</param>
    /// <param name="reason">What is wrong, in one sentence.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public NodeConfigurationException(string source, string keyPath, int line, int column, string reason, Exception? innerException = null)
        : base(SlimErrorCode.ConfigurationInvalid, Format(source, keyPath, line, column, reason), innerException)
    {
        ConfigurationSource = source;
        KeyPath = keyPath;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file (or other source) of the configuration.</summary>
    public string ConfigurationSource { get; }

    /// <summary>The dotted key path of the offending value (<c>runtime.drain_timeout</c>); empty for the whole document.</summary>
    public string KeyPath { get; }

    /// <summary>1-based line of the offending value, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending value, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    private static string Format(string source, string keyPath, int line, int column, string reason)
    {
        var location = line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{source}:{line}:{column}")
            : source;
        return keyPath.Length == 0 ? $"{location}: {reason}" : $"{location}: {keyPath}: {reason}";
    }
}
