namespace Slim.Testing.Interop;

/// <summary>
/// A SLIM app taking part in an interop scenario. Names are <c>"org/ns/app"</c> strings (or
/// <c>"org/ns/app/&lt;uuid&gt;"</c> with an explicit id). Implementations: <see cref="OfficialApp"/> (an app of the
/// official package in its own process); an app of our SDK is meant to be added as one more implementation.
/// </summary>
public interface IAppUnderTest : IAsyncDisposable
{
    /// <summary>The app's name without id, e.g. <c>org/ns/alice</c>.</summary>
    string Name { get; }

    /// <summary>The app's id as a UUID string (the fourth name component).</summary>
    string Id { get; }

    /// <summary>Short human-readable description used in test output.</summary>
    string Description { get; }

    /// <summary>Connects the app to a node.</summary>
    Task ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default);

    /// <summary>Subscribes <paramref name="name"/> (the app's own name with its id when null) on the node connection.</summary>
    Task SubscribeAsync(string? name = null, CancellationToken cancellationToken = default);

    /// <summary>Unsubscribes <paramref name="name"/> (the app's own name when null).</summary>
    Task UnsubscribeAsync(string? name = null, CancellationToken cancellationToken = default);

    /// <summary>Routes traffic for <paramref name="name"/> to the node connection (needed before inviting it).</summary>
    Task SetRouteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a session towards <paramref name="destination"/> (the peer for point-to-point, the channel for a group) and
    /// returns once the official "session established" completion has resolved.
    /// </summary>
    Task<ISessionUnderTest> CreateSessionAsync(
        string destination, TestSessionOptions options, CancellationToken cancellationToken = default);

    /// <summary>Waits for the next session another app opened with this one (an invitation that was accepted).</summary>
    Task<ISessionUnderTest> WaitForSessionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>The app's recent diagnostics (log and protocol transcript), for failure messages.</summary>
    string RecentDiagnostics();
}
