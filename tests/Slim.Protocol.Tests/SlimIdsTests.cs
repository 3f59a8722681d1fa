using Slim.Protocol.Hashing;

namespace Slim.Protocol.Tests;

public sealed class SlimIdsTests
{
    [Fact]
    public void App_id_from_identity_matches_the_wire_fact()
    {
        Assert.Equal("979bbda1-cd06-67c2-2c25-f742fc4a6513", SlimName.FormatInstanceId(SlimIds.AppIdFromIdentity("org/ns/bob_ixStf4tG")));
    }

    [Fact]
    public void Channel_ids_match_the_wire_facts()
    {
        var group = new SlimName("org", "ns", "chan");
        var (data, control) = SlimIds.ChannelIds("org/ns/mod_knODiGVb", group);

        Assert.Equal("b2e41a54-313c-fd61-25bb-a8dd737528de", SlimName.FormatInstanceId(data));
        Assert.Equal("7ecec5a5-f05a-519a-7288-fcf5c03c5ec1", SlimName.FormatInstanceId(control));
        Assert.Equal(data, SlimIds.ChannelId("org/ns/mod_knODiGVb", group.WithId(123), ChannelKind.Data));
        Assert.Equal(control, SlimIds.ChannelId("org/ns/mod_knODiGVb", group, ChannelKind.Control));
        Assert.NotEqual(control, SlimIds.ChannelId("org/ns/mod_knODiGVb", group, ChannelKind.Control, seed: 1));
    }

    [Fact]
    public void Channel_ids_need_the_group_strings()
    {
        var hashesOnly = SlimName.FromHashes(1, 2, 3, SlimName.AnyInstance);
        Assert.Throws<ArgumentException>(() => SlimIds.ChannelId("tok", hashesOnly, ChannelKind.Data));
    }

    [Fact]
    public void Long_identity_strings_hash_like_short_ones()
    {
        // Exercises the pooled-buffer path (> 512 UTF-8 bytes) against the direct hash.
        var longId = new string('é', 400) + "_abcdefgh";
        var expected = XxHash3.Hash128(System.Text.Encoding.UTF8.GetBytes(longId));
        Assert.Equal(SlimName.IsReservedId(expected) ? expected % (UInt128.MaxValue - 50) : expected, SlimIds.AppIdFromIdentity(longId));
    }

    [Fact]
    public void Random_ids_stay_in_their_ranges()
    {
        for (var i = 0; i < 10_000; i++)
        {
            var session = SlimIds.NewSessionId();
            Assert.True(session < SlimConstants.SessionIdLimit);
            Assert.True(SlimIds.IsValidSessionId(session));
            Assert.NotEqual(0u, SlimIds.NewControlMessageId());
            var publishTo = SlimIds.NewPublishToMessageId();
            Assert.InRange(publishTo, 1u << 31, uint.MaxValue - 1);
            Assert.NotEqual(0UL, SlimIds.NewSubscriptionIdBase());
            Assert.False(SlimName.IsReservedId(SlimIds.NewAppId()));
        }

        Assert.False(SlimIds.IsValidSessionId(uint.MaxValue - 1000));
        Assert.True(SlimIds.IsValidSessionId(uint.MaxValue - 1001));
    }

    [Fact]
    public void Constants_match_the_reference()
    {
        Assert.Equal(8u, SlimConstants.DefaultTtl);
        Assert.Equal(256u, SlimConstants.GroupFanout);
        Assert.Equal(2_147_483_647u, SlimConstants.MaxPublishId);
        Assert.Equal(4_294_966_295u, SlimConstants.SessionIdLimit);
        Assert.Equal("2.0.0-alpha.8", SlimConstants.WireVersion);
        Assert.Equal(TimeSpan.FromSeconds(10), SlimConstants.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), SlimConstants.DefaultControlInterval);
        Assert.Equal(10, SlimConstants.DefaultControlMaxRetries);
        Assert.Equal(4 * 1024 * 1024, SlimConstants.DefaultMaxMessageSize);
        Assert.Equal("PUBLISH_TO", SlimConstants.MetadataPublishTo);
        Assert.Equal("LEAVING_SESSION", SlimConstants.MetadataLeavingSession);
        Assert.Equal("TRUE", SlimConstants.MetadataTrue);
    }
}
