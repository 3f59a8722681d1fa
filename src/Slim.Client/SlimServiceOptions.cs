using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Processing;

namespace Slim.Client;

/// <summary>Settings of a <see cref="SlimService"/>.</summary>
public sealed record SlimServiceOptions
{
    /// <summary>The defaults: no logging, the system clock, the data plane's defaults.</summary>
    public static SlimServiceOptions Default { get; } = new();

    /// <summary>
    /// Settings of the service's routing engine (its embedded node): message size limit, queue sizes, and whether
    /// links must use header MACs (strict, the default and what official nodes expect).
    /// </summary>
    public DataPlaneOptions DataPlane { get; init; } = DataPlaneOptions.Default;

    /// <summary>Where the service, its apps and their sessions log; null for no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock of every timer (retransmissions, heartbeats, reconnect backoff, receive timeouts).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Creates the <c>Slim.DataPlane</c> and <c>Slim.Session</c> meters; null for process-wide meters.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
