using System.Text;
using Xunit;

namespace Slim.Testing.Interop;

/// <summary>
/// The apps of one interop test on a (possibly shared) node: gives each test its own name space so tests sharing a
/// node cannot see each other's traffic, starts apps already connected and subscribed, and on disposal stops them all,
/// first writing every party's diagnostics to the test output when the test failed.
/// </summary>
public sealed class InteropScenario : IAsyncDisposable
{
    /// <summary>Shared secret of the apps of a scenario (the official provider wants at least 32 bytes).</summary>
    public const string DefaultSharedSecret = "slim-dotnet-interop-shared-secret-0123456789";

    private readonly List<IAppUnderTest> _apps = [];
    private readonly object _gate = new();
    private int _started;

    /// <summary>Creates a scenario on <paramref name="node"/>.</summary>
    public InteropScenario(INodeUnderTest node, string sharedSecret = DefaultSharedSecret)
    {
        Node = node;
        SharedSecret = sharedSecret;
        Scope = $"t{Guid.NewGuid():N}"[..12];
    }

    /// <summary>The node the apps connect to.</summary>
    public INodeUnderTest Node { get; }

    /// <summary>The shared secret of the apps.</summary>
    public string SharedSecret { get; }

    /// <summary>The unique middle name component of this scenario's names.</summary>
    public string Scope { get; }

    /// <summary>The full name <c>org/&lt;scope&gt;/&lt;shortName&gt;</c>.</summary>
    public string NameOf(string shortName) => $"org/{Scope}/{shortName}";

    /// <summary>
    /// Starts an app named <see cref="NameOf"/>(<paramref name="shortName"/>), connects it to the node (for an
    /// <see cref="IMultiNodeUnderTest"/>, to the endpoint for this app's start order) and subscribes its name.
    /// </summary>
    public async Task<IAppUnderTest> StartAppAsync(
        IAppFactory factory, string shortName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);

        // The index is taken before the first await, so it follows the order of the calls, not of their completion.
        var index = Interlocked.Increment(ref _started) - 1;
        var endpoint = Node is IMultiNodeUnderTest multi ? multi.EndpointFor(index) : Node.Endpoint;
        var app = await factory.StartAsync(NameOf(shortName), SharedSecret, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _apps.Add(app);
        }

        await app.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        await app.SubscribeAsync(null, cancellationToken).ConfigureAwait(false);
        return app;
    }

    /// <summary>Diagnostics of the node and every app.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        text.AppendLine($"=== {Node.Description}").AppendLine(Node.RecentDiagnostics());
        lock (_gate)
        {
            foreach (var app in _apps)
            {
                text.AppendLine($"=== {app.Description} (id {app.Id})").AppendLine(app.RecentDiagnostics());
            }
        }

        return text.ToString();
    }

    /// <summary>Stops the apps (not the node, which may be shared).</summary>
    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(Diagnostics());
        }

        IAppUnderTest[] apps;
        lock (_gate)
        {
            apps = [.. _apps];
            _apps.Clear();
        }

        await Task.WhenAll(apps.Select(a => a.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
