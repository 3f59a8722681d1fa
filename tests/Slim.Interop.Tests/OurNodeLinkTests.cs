using Slim.Interop.Tests.Ours;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>The harness's link probe (plain node:http2, no official code) against our node: it behaves as a stock, strict node.</summary>
public sealed class OurNodeLinkTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Our_default_node_is_strict_like_a_stock_node()
    {
        await using var node = await OurNode.StartAsync(requireHeaderMac: true, Cancellation).WithTimeout();

        var keyed = await LinkProbe.RunAsync(node.Endpoint, offerKey: true, Cancellation).WithTimeout();
        Assert.True(keyed.HeadersReceived);
        Assert.True(keyed.IsReply, keyed.Ending);
        Assert.Equal(32, keyed.KeyLength);
        Assert.True(keyed.LinkIdEchoed);
        Assert.Equal(2, keyed.ConnectionType); // EDGE, echoed
        Assert.Equal("2.0.0-alpha.8", keyed.SlimVersion);

        var keyless = await LinkProbe.RunAsync(node.Endpoint, offerKey: false, Cancellation).WithTimeout();
        Assert.True(keyless.HeadersReceived);
        Assert.False(keyless.Replied, $"a strict node must drop a client without a key, but: {keyless}");
    }

    [Fact]
    public async Task With_require_header_mac_false_our_node_is_lenient_like_an_app_server()
    {
        await using var node = await OurNode.StartAsync(requireHeaderMac: false, Cancellation).WithTimeout();

        var keyless = await LinkProbe.RunAsync(node.Endpoint, offerKey: false, Cancellation).WithTimeout();
        Assert.True(keyless.IsReply, keyless.Ending);
        Assert.Equal(0, keyless.KeyLength);

        var keyed = await LinkProbe.RunAsync(node.Endpoint, offerKey: true, Cancellation).WithTimeout();
        Assert.Equal(32, keyed.KeyLength);
    }
}
