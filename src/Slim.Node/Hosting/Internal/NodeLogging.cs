using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Slim.Node.Configuration;

namespace Slim.Node.Hosting.Internal;

/// <summary>The <c>slim</c> executable's logger factory: console (stdout), levels and filters from <c>tracing</c>.</summary>
internal static class NodeLogging
{
    public static ILoggerFactory Create(NodeConfiguration configuration)
    {
        var logging = configuration.Logging;
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(logging.MinimumLevel);
            foreach (var filter in logging.Filters)
            {
                builder.AddFilter(filter.Category, filter.Level);
            }

            builder.AddConsole(console =>
            {
                console.FormatterName = NodeConsoleFormatter.FormatterName;
                console.LogToStandardErrorThreshold = LogLevel.None;
            });
            builder.AddConsoleFormatter<NodeConsoleFormatter, NodeConsoleFormatterOptions>(options =>
            {
                options.ShowThreadNames = logging.ShowThreadNames;
                options.ShowThreadIds = logging.ShowThreadIds;
                options.ThreadName = configuration.ThreadName;
            });
        });
    }
}
