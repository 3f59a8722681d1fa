namespace Slim.Testing.Interop;

/// <summary>
/// A SLIM node that interop scenarios connect their apps to. Implementations: <see cref="OfficialNode"/> (the official
/// package, strict or lenient); our own node is meant to be added as one more implementation.
/// </summary>
public interface INodeUnderTest : IAsyncDisposable
{
    /// <summary>Short human-readable description used in test output, e.g. "official strict node on 127.0.0.1:40123".</summary>
    string Description { get; }

    /// <summary>The endpoint apps connect to, e.g. <c>http://127.0.0.1:40123</c> (insecure HTTP/2).</summary>
    Uri Endpoint { get; }

    /// <summary>The node's recent diagnostics (its log), for failure messages.</summary>
    string RecentDiagnostics();
}

/// <summary>
/// A node under test made of several connected nodes (a chain): the apps of a scenario are spread over their
/// endpoints, so traffic between apps crosses nodes.
/// </summary>
public interface IMultiNodeUnderTest : INodeUnderTest
{
    /// <summary>The endpoint the <paramref name="appIndex"/>-th app started by a scenario (from 0) connects to.</summary>
    Uri EndpointFor(int appIndex);
}
