using Slim.Interop.Tests.Ours;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>Official apps through one of our nodes: point-to-point and groups, MLS on and off (checklist A).</summary>
public sealed class OfficialAppsOnOurNode(OurNodeFixture node)
    : InteropScenarios<OurNodeFixture>(node);

/// <summary>Official apps on two of our nodes linked as peers: every message between apps crosses the link.</summary>
public sealed class OfficialAppsAcrossTwoOfOurNodes : InteropScenarios<OurChainedNodesFixture>
{
    private readonly OurChainedNodesFixture _fixture;

    public OfficialAppsAcrossTwoOfOurNodes(OurChainedNodesFixture fixture)
        : base(fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task The_apps_sit_on_different_nodes_and_their_messages_cross_the_peer_link()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var chain = (OurNode)_fixture.Node;
        var alice = await Scenario.StartAppAsync(Initiators, "alice", cancellation).WithTimeout();
        var bob = await Scenario.StartAppAsync(Participants, "bob", cancellation).WithTimeout();
        Assert.NotEqual(chain.EndpointFor(0), chain.EndpointFor(1));

        await alice.SetRouteAsync(bob.Name, cancellation).WithTimeout();
        var session = await alice.CreateSessionAsync(bob.Name, TestSessionOptions.PointToPoint(mls: false), cancellation).WithTimeout();
        var bobSession = await bob.WaitForSessionAsync(cancellationToken: cancellation).WithTimeout();
        var forwarded = chain.Hosts.Select(h => h.GetMetrics().Sum("slim.dataplane.messages.forwarded", "kind", "publish")).ToArray();

        await session.PublishTextAsync("over the peer link", cancellationToken: cancellation).WithTimeout();
        await bobSession.WaitForTextAsync("over the peer link", cancellationToken: cancellation).WithTimeout();

        // Both nodes forwarded the message (and its ack): alice's node to the peer, bob's node to bob.
        for (var i = 0; i < chain.Hosts.Count; i++)
        {
            Assert.True(
                chain.Hosts[i].GetMetrics().Sum("slim.dataplane.messages.forwarded", "kind", "publish") > forwarded[i],
                $"node {i} forwarded no publish");
        }

        await session.DeleteAsync(cancellation).WithTimeout();
    }
}
