using System.Diagnostics;
using Xunit;

namespace Slim.Testing.Interop;

/// <summary>
/// A class fixture that starts one node for all the tests of a class and stops it afterwards. Derive once per node
/// implementation (see <see cref="OfficialStrictNodeFixture"/>); our own node needs only one more such class.
/// </summary>
public abstract class NodeUnderTestFixture : IAsyncLifetime
{
    private INodeUnderTest? _node;

    /// <summary>The running node.</summary>
    public INodeUnderTest Node => _node ?? throw new InvalidOperationException("The node has not been started.");

    /// <summary>How long the node took to start (until it accepted connections).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Starts the node.</summary>
    public async ValueTask InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        _node = await StartNodeAsync(TestContext.Current.CancellationToken)
            .WithTimeout(TaskTimeoutExtensions.DefaultTimeout, $"starting the node of {GetType().Name}")
            .ConfigureAwait(false);
        StartupTime = clock.Elapsed;
    }

    /// <summary>Stops the node.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the node under test.</summary>
    protected abstract Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken);
}

/// <summary>An official node built like a stock <c>slim</c> binary (link crypto and header MACs required).</summary>
public sealed class OfficialStrictNodeFixture : NodeUnderTestFixture
{
    /// <inheritdoc />
    protected override async Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken)
    {
        var environment = await OfficialSlim.GetAsync(cancellationToken).ConfigureAwait(false);
        return await environment.StartNodeAsync(OfficialNodeMode.Strict, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>An official node started the app way (<c>runServer</c>), which does not require link crypto.</summary>
public sealed class OfficialLenientNodeFixture : NodeUnderTestFixture
{
    /// <inheritdoc />
    protected override async Task<INodeUnderTest> StartNodeAsync(CancellationToken cancellationToken)
    {
        var environment = await OfficialSlim.GetAsync(cancellationToken).ConfigureAwait(false);
        return await environment.StartNodeAsync(OfficialNodeMode.Lenient, cancellationToken).ConfigureAwait(false);
    }
}
