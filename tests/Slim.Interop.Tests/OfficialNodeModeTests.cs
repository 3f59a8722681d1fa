using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// The two official node kinds really differ the way the reference says (a stock node demands link crypto, an
/// app-style node does not), so scenarios run against both test what they claim to.
/// </summary>
public sealed class OfficialNodeModeTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(OfficialNodeMode.Strict)]
    [InlineData(OfficialNodeMode.Lenient)]
    public async Task Both_modes_accept_a_keyed_link_but_only_the_lenient_one_a_keyless_link(OfficialNodeMode mode)
    {
        var environment = await OfficialSlim.GetAsync(Cancellation).WithTimeout();
        await using var node = await environment.StartNodeAsync(mode, Cancellation).WithTimeout();

        var keyed = await LinkProbe.RunAsync(node.Endpoint, offerKey: true, Cancellation).WithTimeout();
        Assert.True(keyed.HeadersReceived);
        Assert.True(keyed.IsReply, keyed.Ending);
        Assert.Equal(32, keyed.KeyLength);
        Assert.True(keyed.LinkIdEchoed);
        Assert.Equal(2, keyed.ConnectionType); // EDGE, echoed
        Assert.Equal("2.0.0-alpha.8", keyed.SlimVersion);

        var keyless = await LinkProbe.RunAsync(node.Endpoint, offerKey: false, Cancellation).WithTimeout();
        Assert.True(keyless.HeadersReceived);
        if (mode == OfficialNodeMode.Strict)
        {
            Assert.False(keyless.Replied, $"a strict node must drop a client without a key, but: {keyless}");
        }
        else
        {
            Assert.True(keyless.IsReply, keyless.Ending);
            Assert.Equal(0, keyless.KeyLength);
        }
    }
}
