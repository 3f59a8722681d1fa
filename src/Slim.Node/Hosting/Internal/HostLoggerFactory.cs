using Microsoft.Extensions.Logging;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// The logger factory given to the ASP.NET Core host: the caller's factory, with everything below Warning dropped for
/// the hosting layer ("Request starting ...", "Now listening on ...") and for Kestrel (per-connection notes such as
/// "the application completed without reading the entire request body", which every link teardown produces). The
/// server's own events report streams and endpoints; Kestrel's warnings and errors still come through.
/// </summary>
internal sealed class HostLoggerFactory : ILoggerFactory
{
    private static readonly string[] QuietCategories =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.Hosting.Lifetime",
        "Microsoft.Extensions.Hosting",
    ];

    private readonly ILoggerFactory _inner;

    public HostLoggerFactory(ILoggerFactory inner)
    {
        _inner = inner;
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = _inner.CreateLogger(categoryName);
        foreach (var prefix in QuietCategories)
        {
            if (categoryName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new MinimumLevelLogger(logger, LogLevel.Warning);
            }
        }

        return logger;
    }

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    /// <summary>The caller owns the inner factory; nothing to release here.</summary>
    public void Dispose()
    {
    }

    private sealed class MinimumLevelLogger(ILogger inner, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
