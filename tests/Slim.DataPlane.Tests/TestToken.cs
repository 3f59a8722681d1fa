namespace Slim.DataPlane.Tests;

/// <summary>The current test's cancellation token, so awaited calls stop when the test is cancelled.</summary>
internal static class TestToken
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
