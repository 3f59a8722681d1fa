using Slim.DataPlane.Tables;
using Slim.Protocol;

namespace Slim.DataPlane.Tests.Tables;

public sealed class SubscriptionTableTests
{
    private static readonly SlimName Service = new("org", "ns", "svc");
    private static readonly SlimName Instance1 = Service.WithId(1);
    private static readonly SlimName Instance2 = Service.WithId(2);
    private static readonly SlimName Other = new("org", "ns", "other", 1);

    [Fact]
    public void Empty_table_matches_nothing()
    {
        var table = new SubscriptionTable();
        Assert.False(table.TryMatchOne(Service, 0, ConnectionTypeFilter.All, out _));
        Assert.False(table.TryMatchAll(Service, 0, ConnectionTypeFilter.All, out _));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Specific_id_matches_only_that_id()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 10, ConnectionType.Edge, 100);
        table.Add(Instance2, 20, ConnectionType.Edge, 200);

        Assert.True(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out var one));
        Assert.Equal(10UL, one);
        Assert.True(table.TryMatchOne(Instance2, 0, ConnectionTypeFilter.All, out var two));
        Assert.Equal(20UL, two);
        Assert.False(table.TryMatchOne(Service.WithId(3), 0, ConnectionTypeFilter.All, out _));
        Assert.False(table.TryMatchOne(Other, 0, ConnectionTypeFilter.All, out _));
    }

    [Fact]
    public void Subscription_without_id_does_not_match_a_specific_id()
    {
        var table = new SubscriptionTable();
        table.Add(Service, 10, ConnectionType.Remote, 1);

        Assert.False(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out _));
        Assert.False(table.TryMatchAll(Instance1, 0, ConnectionTypeFilter.All, out _));
        Assert.True(table.TryMatchOne(Service, 0, ConnectionTypeFilter.All, out var any));
        Assert.Equal(10UL, any);
    }

    [Fact]
    public void Destination_without_id_matches_every_id_of_the_prefix()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 10, ConnectionType.Edge, 1);
        table.Add(Instance2, 20, ConnectionType.Edge, 2);
        table.Add(Service, 30, ConnectionType.Edge, 3);

        Assert.True(table.TryMatchAll(Service, 0, ConnectionTypeFilter.All, out var all));
        Assert.Equal([10UL, 20UL, 30UL], all.ToArray().Order());
    }

    [Fact]
    public void Match_one_without_id_round_robins_over_all_connections()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 10, ConnectionType.Edge, 1);
        table.Add(Instance2, 20, ConnectionType.Edge, 2);
        table.Add(Service.WithId(3), 30, ConnectionType.Edge, 3);

        var picks = new List<ulong>();
        for (var i = 0; i < 30; i++)
        {
            Assert.True(table.TryMatchOne(Service, 0, ConnectionTypeFilter.All, out var id));
            picks.Add(id);
        }

        Assert.Equal([10UL, 20UL, 30UL], picks.Distinct().Order());
        Assert.All(picks.CountBy(p => p), g => Assert.Equal(10, g.Value));
    }

    [Fact]
    public void Match_one_round_robins_among_connections_of_one_id()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 10, ConnectionType.Edge, 1);
        table.Add(Instance1, 20, ConnectionType.Edge, 2);

        var picks = Enumerable.Range(0, 10)
            .Select(_ => table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out var id) ? id : 0)
            .ToList();
        Assert.Equal(5, picks.Count(p => p == 10));
        Assert.Equal(5, picks.Count(p => p == 20));
    }

    [Fact]
    public void Match_one_never_returns_the_ingress_connection()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 10, ConnectionType.Edge, 1);
        table.Add(Instance1, 20, ConnectionType.Edge, 2);

        for (var i = 0; i < 10; i++)
        {
            Assert.True(table.TryMatchOne(Instance1, 10, ConnectionTypeFilter.All, out var id));
            Assert.Equal(20UL, id);
            Assert.True(table.TryMatchOne(Service, 10, ConnectionTypeFilter.All, out id));
            Assert.Equal(20UL, id);
        }

        var alone = new SubscriptionTable();
        alone.Add(Instance1, 10, ConnectionType.Edge, 1);
        Assert.False(alone.TryMatchOne(Instance1, 10, ConnectionTypeFilter.All, out _));
        Assert.False(alone.TryMatchOne(Service, 10, ConnectionTypeFilter.All, out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Match_one_prefers_local_then_remote_then_peer_then_edge(bool specificId)
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 4, ConnectionType.Edge, 1);
        table.Add(Instance1, 3, ConnectionType.Peer, 1);
        table.Add(Instance1, 2, ConnectionType.Remote, 1);
        table.Add(Instance1, 1, ConnectionType.Local, 1);
        var destination = specificId ? Instance1 : Service;

        ulong Pick(ulong ingress) => table.TryMatchOne(destination, ingress, ConnectionTypeFilter.All, out var id) ? id : 0;

        Assert.Equal(1UL, Pick(0));
        Assert.Equal(2UL, Pick(1));
        table.Remove(Instance1, 1, 1);
        Assert.Equal(2UL, Pick(0));
        table.Remove(Instance1, 2, 1);
        Assert.Equal(3UL, Pick(0));
        Assert.Equal(4UL, Pick(3));
        table.Remove(Instance1, 3, 1);
        Assert.Equal(4UL, Pick(0));
        Assert.Equal(0UL, Pick(4));
    }

    [Fact]
    public void Filter_excludes_connection_types()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 3, ConnectionType.Peer, 1);
        table.Add(Instance1, 4, ConnectionType.Edge, 1);

        Assert.True(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.ExcludePeer, out var one));
        Assert.Equal(4UL, one);
        Assert.True(table.TryMatchAll(Instance1, 0, ConnectionTypeFilter.ExcludePeer, out var all));
        Assert.Equal([4UL], all.ToArray());
        Assert.False(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.None, out _));
    }

    [Fact]
    public void Match_all_returns_every_connection_of_the_id_minus_the_ingress()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 1, ConnectionType.Local, 1);
        table.Add(Instance1, 2, ConnectionType.Remote, 1);
        table.Add(Instance1, 3, ConnectionType.Peer, 1);
        table.Add(Instance1, 4, ConnectionType.Edge, 1);
        table.Add(Instance2, 5, ConnectionType.Edge, 1);

        Assert.True(table.TryMatchAll(Instance1, 3, ConnectionTypeFilter.All, out var set));
        Assert.Equal([1UL, 2UL, 4UL], set.ToArray());
        Assert.Equal(3, set.Count);

        Assert.True(table.TryMatchAll(Service, 3, ConnectionTypeFilter.All, out var prefix));
        Assert.Equal([1UL, 2UL, 4UL, 5UL], prefix.ToArray().Order());
    }

    [Fact]
    public void Match_all_with_only_the_ingress_is_no_match()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 1);
        Assert.False(table.TryMatchAll(Instance1, 7, ConnectionTypeFilter.All, out var set));
        Assert.True(set.IsEmpty);
    }

    [Fact]
    public void Match_all_without_id_lists_a_connection_subscribed_under_two_ids_once()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 1);
        table.Add(Instance2, 7, ConnectionType.Edge, 2);
        Assert.True(table.TryMatchAll(Service, 0, ConnectionTypeFilter.All, out var set));
        Assert.Equal([7UL], set.ToArray());
    }

    [Fact]
    public void Reference_counting_is_per_subscription_id()
    {
        var table = new SubscriptionTable();
        Assert.Equal(SubscriptionChangeKind.Added, table.Add(Instance1, 7, ConnectionType.Edge, 1).Kind);
        Assert.Equal(SubscriptionChangeKind.AlreadyPresent, table.Add(Instance1, 7, ConnectionType.Edge, 1).Kind);
        Assert.Equal(SubscriptionChangeKind.Added, table.Add(Instance1, 7, ConnectionType.Edge, 2).Kind);
        Assert.Equal(1, table.Count);

        Assert.Equal(SubscriptionChangeKind.Removed, table.Remove(Instance1, 7, 1).Kind);
        Assert.True(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out _));
        Assert.Equal(SubscriptionChangeKind.NotFound, table.Remove(Instance1, 7, 1).Kind);
        Assert.Equal(SubscriptionChangeKind.Removed, table.Remove(Instance1, 7, 2).Kind);
        Assert.False(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out _));
        Assert.Equal(0, table.Count);
        Assert.Empty(table.GetEntries());
    }

    [Fact]
    public void Removing_unknown_entries_reports_not_found()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 1);

        Assert.False(table.Remove(Other, 7, 1).Succeeded);
        Assert.False(table.Remove(Instance2, 7, 1).Succeeded);
        Assert.False(table.Remove(Instance1, 8, 1).Succeeded);
        Assert.False(table.Remove(Instance1, 7, 99).Succeeded);
        Assert.True(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out _));
    }

    [Fact]
    public void A_replayed_subscription_with_id_zero_is_removed_by_the_original_id()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 0);
        Assert.True(table.Remove(Instance1, 7, 123).Succeeded);
        Assert.False(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out _));
    }

    [Fact]
    public void An_id_zero_replay_and_the_original_id_merge_into_one_reference()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 0);
        Assert.Equal(SubscriptionChangeKind.AlreadyPresent, table.Add(Instance1, 7, ConnectionType.Edge, 55).Kind);
        Assert.Equal(SubscriptionChangeKind.AlreadyPresent, table.Add(Instance1, 7, ConnectionType.Edge, 0).Kind);
        Assert.Equal([new SubscriptionReference(55, SubscriptionKind.Learned)], Assert.Single(table.GetEntries()).References);

        Assert.True(table.Remove(Instance1, 7, 55).Succeeded);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Unsubscribe_with_id_zero_removes_all_references_of_the_connection()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 1);
        table.Add(Instance1, 7, ConnectionType.Edge, 2);
        table.Add(Instance1, 8, ConnectionType.Edge, 3);

        Assert.True(table.Remove(Instance1, 7, 0).Succeeded);
        Assert.True(table.TryMatchAll(Instance1, 0, ConnectionTypeFilter.All, out var set));
        Assert.Equal([8UL], set.ToArray());
    }

    [Fact]
    public void Remove_connection_drops_every_entry_of_that_connection()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Edge, 1);
        table.Add(Instance2, 7, ConnectionType.Edge, 2);
        table.Add(Other, 7, ConnectionType.Edge, 3);
        table.Add(Instance1, 8, ConnectionType.Edge, 4);

        var removed = table.RemoveConnection(7);

        Assert.Equal(3, removed.Count);
        Assert.All(removed, r => Assert.True(r.AdvertisementChanged || r.Name == Instance1));
        Assert.False(table.TryMatchOne(Instance2, 0, ConnectionTypeFilter.All, out _));
        Assert.False(table.TryMatchOne(Other, 0, ConnectionTypeFilter.All, out _));
        Assert.True(table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out var left));
        Assert.Equal(8UL, left);
        Assert.Equal(1, table.Count);
        Assert.Empty(table.RemoveConnection(7));
    }

    [Fact]
    public void Remove_connection_can_keep_routes()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 7, ConnectionType.Peer, 1, SubscriptionKind.Learned);
        table.Add(Instance2, 7, ConnectionType.Peer, 2, SubscriptionKind.Route);
        table.Add(Other, 7, ConnectionType.Peer, 3, SubscriptionKind.Learned);
        table.Add(Other, 7, ConnectionType.Peer, 4, SubscriptionKind.Route);

        var removed = table.RemoveConnection(7, learnedOnly: true);

        Assert.Equal(2, removed.Count);
        Assert.False(table.Contains(Instance1, 7));
        Assert.True(table.Contains(Instance2, 7));
        Assert.True(table.Contains(Other, 7));
        Assert.Equal([new SubscriptionReference(4, SubscriptionKind.Route)], table.GetEntries().Single(e => e.Name == Other).References);
    }

    [Fact]
    public void Advertisement_changes_on_the_first_and_last_non_peer_connection()
    {
        var table = new SubscriptionTable();

        Assert.False(table.Add(Instance1, 3, ConnectionType.Peer, 1).AdvertisementChanged);
        Assert.True(table.Add(Instance1, 1, ConnectionType.Local, 2).AdvertisementChanged);
        Assert.False(table.Add(Instance1, 1, ConnectionType.Local, 3).AdvertisementChanged);
        Assert.False(table.Add(Instance1, 4, ConnectionType.Edge, 4).AdvertisementChanged);
        Assert.True(table.Add(Instance2, 4, ConnectionType.Edge, 5).AdvertisementChanged);

        Assert.False(table.Remove(Instance1, 1, 2).AdvertisementChanged);
        Assert.False(table.Remove(Instance1, 1, 3).AdvertisementChanged);
        Assert.False(table.Remove(Instance1, 3, 1).AdvertisementChanged);
        Assert.True(table.Remove(Instance1, 4, 4).AdvertisementChanged);
        Assert.Single(table.RemoveConnection(4), r => r.AdvertisementChanged && r.Name == Instance2);
    }

    [Fact]
    public void Entries_keep_the_component_strings()
    {
        var table = new SubscriptionTable();
        table.Add(SlimName.FromHashes(Instance1.OrganizationHash, Instance1.NamespaceHash, Instance1.ServiceHash, 1), 7, ConnectionType.Edge, 1);
        table.Add(Instance2, 8, ConnectionType.Edge, 2);

        var entries = table.GetEntries();
        Assert.All(entries, e => Assert.Equal("svc", e.Name.Service));
        Assert.Contains(entries, e => e.Name == Instance1 && e.ConnectionId == 7 && e.ConnectionType == ConnectionType.Edge);
    }

    [Fact]
    public void Many_ids_under_one_prefix_use_the_indexed_lookup()
    {
        var table = new SubscriptionTable();
        for (ulong i = 1; i <= 100; i++)
        {
            table.Add(Service.WithId(i), i, ConnectionType.Edge, i);
        }

        for (ulong i = 1; i <= 100; i++)
        {
            Assert.True(table.TryMatchOne(Service.WithId(i), 0, ConnectionTypeFilter.All, out var id));
            Assert.Equal(i, id);
        }

        Assert.True(table.TryMatchAll(Service, 0, ConnectionTypeFilter.All, out var all));
        Assert.Equal(100, all.Count);
        Assert.False(table.TryMatchOne(Service.WithId(101), 0, ConnectionTypeFilter.All, out _));
    }

    [Fact]
    public async Task Lookups_stay_consistent_while_entries_change()
    {
        var table = new SubscriptionTable();
        table.Add(Instance1, 1, ConnectionType.Edge, 1);
        var writer = Task.Run(() =>
        {
            for (ulong i = 0; i < 5_000; i++)
            {
                table.Add(Instance2, 100 + (i % 7), ConnectionType.Edge, i + 10);
                table.Remove(Instance2, 100 + (i % 7), i + 10);
            }
        }, Ct);

        var misses = 0;
        while (!writer.IsCompleted)
        {
            if (!table.TryMatchOne(Instance1, 0, ConnectionTypeFilter.All, out var id) || id != 1)
            {
                misses++;
            }
        }

        await writer.WithTimeout();
        Assert.Equal(0, misses);
        Assert.Equal(1, table.Count);
    }
}
