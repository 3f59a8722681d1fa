using Slim.Testing;
using Slim.Testing.Interop;

[assembly: AssemblyFixture(typeof(Slim.Interop.Tests.OfficialPackageFixture))]

namespace Slim.Interop.Tests;

/// <summary>
/// Checks Node.js and installs the official package (<c>npm ci</c> in <c>tests/interop</c>) once, before any test of
/// this assembly, so that a first install on a fresh machine (about 275 MB from the npm registry) is bounded by the
/// install's own limit and not by the per-step timeout of whichever node fixture happens to start first.
/// </summary>
public sealed class OfficialPackageFixture : IAsyncLifetime
{
    /// <summary>Gets the harness environment, installing the package if it is missing (npm's own bound is 10 min).</summary>
    public async ValueTask InitializeAsync() =>
        await OfficialSlim.GetAsync(TestContext.Current.CancellationToken)
            .WithTimeout(TimeSpan.FromMinutes(11), "checking Node.js and installing the official package");

    /// <summary>Nothing to release: the install stays for later runs.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
