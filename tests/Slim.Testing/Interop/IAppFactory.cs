namespace Slim.Testing.Interop;

/// <summary>Starts apps of one implementation, so a scenario can take its moderator and participants from any side.</summary>
public interface IAppFactory
{
    /// <summary>Short description used in test output, e.g. "official".</summary>
    string Description { get; }

    /// <summary>Starts an app named <paramref name="name"/> (<c>"org/ns/app"</c>) with a shared-secret identity; not yet connected.</summary>
    Task<IAppUnderTest> StartAsync(string name, string sharedSecret, CancellationToken cancellationToken = default);
}

/// <summary>Apps of the official package (<see cref="OfficialApp"/>).</summary>
public sealed class OfficialAppFactory : IAppFactory
{
    /// <summary>The one instance.</summary>
    public static readonly OfficialAppFactory Instance = new();

    private OfficialAppFactory()
    {
    }

    /// <inheritdoc />
    public string Description => "official";

    /// <inheritdoc />
    public async Task<IAppUnderTest> StartAsync(string name, string sharedSecret, CancellationToken cancellationToken = default)
    {
        var environment = await OfficialSlim.GetAsync(cancellationToken).ConfigureAwait(false);
        return await environment.StartAppAsync(name, sharedSecret, cancellationToken).ConfigureAwait(false);
    }
}
