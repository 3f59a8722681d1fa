using System.IO.Pipelines;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>A peer that stops reading must cost only its own messages.</summary>
public sealed class SlowPeerTests(ITestOutputHelper output)
{
    private static readonly SlimName Alice = new("org", "ns", "alice", 0xA1);
    private static readonly SlimName Bob = new("org", "ns", "bob", 0xB0B);
    private static readonly SlimName Carol = new("org", "ns", "carol", 0xCA);
    private static readonly SlimName Chat = new("org", "ns", "chat", 0xC4A7);

    [Fact]
    public async Task A_peer_that_never_reads_is_dropped_for_and_then_disconnected_while_others_keep_flowing()
    {
        var log = new TestLog(output);
        var time = new ManualTimeProvider();
        var stall = TimeSpan.FromSeconds(7);
        await using var processor = new MessageProcessor(
            DataPlaneOptions.Default with { WriteStallTimeout = stall, OutboundQueueCapacity = 64 },
            log,
            time);
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var carol = await TestPeer.ConnectAsync(processor);

        // Bob's stream holds only ~2 KiB before the writer has to wait for him to read, and he never does.
        var tiny = new PipeOptions(pauseWriterThreshold: 2048, resumeWriterThreshold: 1024, useSynchronizationContext: false);
        var bob = await TestPeer.ConnectAsync(processor, pipeOptions: tiny);
        await bob.SubscribeAsync(Bob, Bob, 1);
        await bob.SubscribeAsync(Bob, Chat, 2);
        await carol.SubscribeAsync(Carol, Carol, 3);
        await carol.SubscribeAsync(Carol, Chat, 4);

        // Flood Bob: his stream fills, then his queue, then his messages are dropped.
        var stalled = time.WhenTimerArmedAsync(stall);
        var payload = new string('x', 1024);
        for (var i = 0; i < 200; i++)
        {
            await alice.SendAsync(Messages.Publish(Alice, Bob, text: payload));
        }

        await alice.BarrierAsync();
        var droppedForBob = metrics.Dropped("queue_full");

        // Meanwhile Carol gets everything, direct and group, while Bob's share of the group is dropped.
        for (var i = 0; i < 50; i++)
        {
            await alice.SendAsync(Messages.Publish(Alice, Chat, SlimConstants.GroupFanout, text: $"group {i}"));
            await alice.SendAsync(Messages.Publish(Alice, Carol, text: $"direct {i}"));
            Assert.Equal($"group {i}", Messages.Text(await carol.ReceiveAsync()));
            Assert.Equal($"direct {i}", Messages.Text(await carol.ReceiveAsync()));
        }

        Assert.Equal(droppedForBob + 50, metrics.Dropped("queue_full"));
        Assert.True(metrics.Dropped("queue_full") > 100, $"queue_full drops: {metrics.Dropped("queue_full")}");

        // Once the write loop has waited a whole stall timeout, Bob is disconnected.
        await stalled.WithTimeout(what: "the write loop to wait on Bob");
        time.Advance(stall);
        await bob.Accepted.WithTimeout(what: "Bob's connection to close");
        Assert.Equal(1, metrics.Get("slim.dataplane.connections.closed", "reason", "stalled"));
        Assert.True(log.Has(3012));
        Assert.DoesNotContain(processor.GetSubscriptions(), e => e.Name == Bob);

        await alice.SendAsync(Messages.Publish(Alice, Carol, text: "still flowing"));
        Assert.Equal("still flowing", Messages.Text(await carol.ReceiveAsync()));
        await bob.Stream.DisposeAsync();
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_slow_reader_that_catches_up_is_not_disconnected()
    {
        var time = new ManualTimeProvider();
        var stall = TimeSpan.FromSeconds(9);
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { WriteStallTimeout = stall }, timeProvider: time);
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        var tiny = new PipeOptions(pauseWriterThreshold: 2048, resumeWriterThreshold: 1024, useSynchronizationContext: false);
        await using var bob = await TestPeer.ConnectAsync(processor, pipeOptions: tiny);
        await bob.SubscribeAsync(Bob, Bob, 1);

        var stalled = time.WhenTimerArmedAsync(stall);
        for (var i = 0; i < 20; i++)
        {
            await alice.SendAsync(Messages.Publish(Alice, Bob, text: new string('y', 512) + i));
        }

        await stalled.WithTimeout();
        for (var i = 0; i < 20; i++)
        {
            Assert.EndsWith(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Messages.Text(await bob.ReceiveAsync()), StringComparison.Ordinal);
        }

        // A round trip after catching up: the write loop has finished its earlier flushes (and disarmed the timer).
        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "ping"));
        Assert.Equal("ping", Messages.Text(await bob.ReceiveAsync()));

        // Advancing past the stall timeout now closes nothing.
        time.Advance(stall * 2);
        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "later"));
        Assert.Equal("later", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(0, metrics.Get("slim.dataplane.connections.closed"));
    }
}
