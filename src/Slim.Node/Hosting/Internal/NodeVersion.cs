using System.Reflection;
using Slim.Protocol;

namespace Slim.Node.Hosting.Internal;

/// <summary>The node's version line: <c>slim 0.1.0 (SLIM for .NET; wire 2.0.0-alpha.8; .NET 10.0.x)</c>.</summary>
internal static class NodeVersion
{
    public static string Version { get; } = ReadVersion();

    public static string Text { get; } = $"slim {Version} (SLIM for .NET; wire {SlimConstants.WireVersion}; .NET {Environment.Version})";

    private static string ReadVersion()
    {
        var informational = typeof(NodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(NodeVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        // The SDK appends "+<commit>" when it knows the source revision; the version line keeps it short.
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
