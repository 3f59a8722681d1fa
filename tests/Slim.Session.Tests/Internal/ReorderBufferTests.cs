using Slim.Protocol;
using Slim.Session.Internal.Reliability;

namespace Slim.Session.Tests.Internal;

public sealed class ReorderBufferTests
{
    private static (List<Released<string>> Released, List<uint> Missing, AcceptResult Result) Accept(ReorderBuffer<string> buffer, uint id)
    {
        var released = new List<Released<string>>();
        var missing = new List<uint>();
        var result = buffer.Accept(id, $"m{id}", released, missing);
        return (released, missing, result);
    }

    private static string Render(IEnumerable<Released<string>> released) =>
        string.Join(",", released.Select(r => r.IsLost ? $"lost{r.FirstLost}x{r.LostCount}" : r.Item));

    [Fact]
    public void In_order_ids_are_released_at_once_and_repeats_are_duplicates()
    {
        var buffer = new ReorderBuffer<string>(1, 512);
        Assert.Equal("m1", Render(Accept(buffer, 1).Released));
        Assert.Equal("m2", Render(Accept(buffer, 2).Released));
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, 1).Result);
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, 2).Result);
        Assert.Equal(3u, buffer.NextExpected);
    }

    [Fact]
    public void A_gap_holds_later_ids_reports_each_missing_id_once_and_releases_in_order_when_filled()
    {
        var buffer = new ReorderBuffer<string>(1, 512);
        var (released, missing, result) = Accept(buffer, 4);
        Assert.Equal(AcceptResult.Buffered, result);
        Assert.Empty(released);
        Assert.Equal([1u, 2u, 3u], missing);

        (released, missing, _) = Accept(buffer, 6);
        Assert.Equal([5u], missing);
        Assert.True(buffer.IsAwaiting(2));
        Assert.False(buffer.IsAwaiting(4));
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, 4).Result);

        Assert.Equal("", Render(Accept(buffer, 2).Released));
        Assert.Equal("m1,m2", Render(Accept(buffer, 1).Released));
        Assert.Equal("m3,m4", Render(Accept(buffer, 3).Released));
        Assert.Equal("m5,m6", Render(Accept(buffer, 5).Released));
        Assert.Equal(0, buffer.BufferedCount);
    }

    [Fact]
    public void A_lost_id_releases_what_waited_behind_it_with_the_loss_in_its_place()
    {
        var buffer = new ReorderBuffer<string>(1, 512);
        Accept(buffer, 3);
        var released = new List<Released<string>>();
        buffer.MarkLost(2, released);
        Assert.Empty(released);
        buffer.MarkLost(1, released);
        Assert.Equal("lost1x1,lost2x1,m3", Render(released));
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, 2).Result);
    }

    [Fact]
    public void Without_a_known_start_the_first_id_seen_is_the_start()
    {
        var buffer = new ReorderBuffer<string>(null, 512);
        var (released, missing, _) = Accept(buffer, 40);
        Assert.Equal("m40", Render(released));
        Assert.Empty(missing);
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, 39).Result);
    }

    [Fact]
    public void Ids_wrap_after_the_largest_publish_id()
    {
        var max = SlimConstants.MaxPublishId;
        var buffer = new ReorderBuffer<string>(max - 1, 512);
        var (_, missing, _) = Accept(buffer, 1);
        Assert.Equal([max - 1, max, 0u], missing);
        Accept(buffer, 0);
        Accept(buffer, max);
        Assert.Equal($"m{max - 1},m{max},m0,m1", Render(Accept(buffer, max - 1).Released));
        Assert.Equal(2u, buffer.NextExpected);
        Assert.Equal(AcceptResult.Duplicate, Accept(buffer, max).Result);
    }

    [Fact]
    public void A_gap_larger_than_the_senders_buffer_is_declared_lost_at_once_keeping_what_arrived()
    {
        var buffer = new ReorderBuffer<string>(1, 4);
        Accept(buffer, 3);
        var (released, missing, _) = Accept(buffer, 10);

        // The sender keeps only ids 6..9 besides 10: 1..5 cannot be recovered (3 arrived and is released in its place).
        Assert.Equal("lost1x2,m3,lost4x2", Render(released));
        Assert.Equal([6u, 7u, 8u, 9u], missing);
        Assert.Equal(6u, buffer.NextExpected);
    }

    [Fact]
    public void A_far_future_id_does_not_loop_over_the_whole_gap()
    {
        var buffer = new ReorderBuffer<string>(1, 512);
        var (released, missing, _) = Accept(buffer, 1_000_000_000);
        Assert.Single(released, r => r.IsLost && r.LostCount == 1_000_000_000 - 1 - 512);
        Assert.Equal(512, missing.Count);
    }
}
