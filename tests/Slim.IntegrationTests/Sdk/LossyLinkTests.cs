using System.Collections.Concurrent;
using Slim.Client;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session;
using Slim.Testing;

namespace Slim.IntegrationTests.Sdk;

/// <summary>
/// A reliable session between two of our apps over a real node, with one app's link dropping, duplicating and
/// reordering messages (seeded): everything arrives once and in order, or the receiver says exactly what was lost.
/// </summary>
public sealed class LossyLinkTests : IAsyncDisposable
{
    private readonly CollectingLoggerFactory _log = new(Microsoft.Extensions.Logging.LogLevel.Information);
    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        try
        {
            for (var i = _owned.Count - 1; i >= 0; i--)
            {
                await _owned[i].DisposeAsync().AsTask().WithTimeout(what: $"disposing {_owned[i]}");
            }
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(_log.Dump());
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(29)]
    public async Task Every_message_arrives_once_and_in_order_despite_drops_duplicates_and_reordering(int seed)
    {
        const int count = 300;
        var (sender, receiver, lossy) = await StartPairAsync(
            new LossOptions(DropRate: 0.2, DuplicateRate: 0.1, ReorderRate: 0.1, Seed: seed, Eligible: LossOptions.SessionData),
            // 20% drops each way: a message and its ack both get through with p = 0.64 per attempt, so 60 attempts
            // leave no real chance of a loss. The budget is counted in attempts but spent in time (60 x 50 ms = 3 s),
            // which also covers a machine so busy (the whole suite on 2 cores) that the receiver falls seconds behind.
            SlimSessionConfig.PointToPoint with { RetryInterval = TimeSpan.FromMilliseconds(50), MaxRetries = 60 });

        lossy.Enabled = true;
        for (var i = 1; i <= count; i++)
        {
            await sender.PublishAsync(BitConverter.GetBytes(i), cancellationToken: Cancellation).WithTimeout();
        }

        var received = new List<int>();
        for (var i = 1; i <= count; i++)
        {
            SessionMessage message;
            try
            {
                message = await receiver.GetMessageAsync(cancellationToken: Cancellation).WithTimeout(what: $"message {i} ({lossy})");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message} Session notifications: [{string.Join(", ", DrainNotifications(receiver))}]", ex);
            }

            received.Add(BitConverter.ToInt32(message.Payload.Span));
        }

        Assert.Equal(Enumerable.Range(1, count), received);
        Assert.False(receiver.Handle.TryGetMessage(out var extra), $"a duplicate was delivered: {extra}");
        Assert.True(lossy.Dropped > 20 && lossy.Duplicated > 10 && lossy.Reordered > 10, $"the link was not lossy enough: {lossy}");
        Assert.DoesNotContain(DrainNotifications(receiver), n => n is MessageLostNotification);
        _log.AssertNoErrors();
    }

    [Fact]
    public async Task Messages_that_cannot_be_recovered_are_reported_lost_exactly()
    {
        const int count = 200;
        var sent = new ConcurrentDictionary<uint, bool>();
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool Eligible(Message message)
        {
            if (message.Publish.Session.SessionMessageType == SessionMessageType.Msg && message.Publish.Header.Source.StrName.StrComponent2 == "alice")
            {
                sent.TryAdd(message.Publish.Session.MessageId, true);
                if (sent.Count >= count)
                {
                    allSent.TrySetResult();
                }
            }

            return LossOptions.SessionData(message);
        }

        var (sender, receiver, lossy) = await StartPairAsync(
            new LossOptions(DropRate: 0.5, DuplicateRate: 0.05, ReorderRate: 0.05, Seed: 5, Eligible: Eligible),
            SlimSessionConfig.PointToPoint with { RetryInterval = TimeSpan.FromMilliseconds(40), MaxRetries = 1 });

        lossy.Enabled = true;
        var deliveries = new List<Task>();
        for (var i = 1; i <= count; i++)
        {
            deliveries.Add(sender.PublishAndWaitAsync(BitConverter.GetBytes(i), cancellationToken: Cancellation));
        }

        // Keep the link bad until every message went through it, the receiver gave up on at least one, and the
        // sender is done with its retransmissions; then let it heal and send a last message, which reveals any gap
        // at the end of the stream.
        await allSent.Task.WithTimeout(what: $"every message crossing the lossy link ({lossy})");
        var firstLoss = await receiver.ReadNotificationsAsync(Cancellation).OfType<MessageLostNotification>()
            .FirstAsync(Cancellation).AsTask().WithTimeout(what: $"a loss being reported ({lossy})");
        foreach (var delivery in deliveries)
        {
            try
            {
                await delivery.WithTimeout(what: "the sender settling its deliveries");
            }
            catch (SlimSessionException ex) when (ex.ErrorCode == SlimErrorCode.DeliveryFailed)
            {
                // Some acks never came back through the lossy link.
            }
        }

        lossy.Enabled = false;
        var last = await sender.PublishAsync(BitConverter.GetBytes(count + 1), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal((uint)count + 1, last);

        var delivered = new List<uint>();
        while (delivered.Count == 0 || delivered[^1] != last)
        {
            var message = await receiver.GetMessageAsync(cancellationToken: Cancellation).WithTimeout(what: $"the next message ({lossy})");
            Assert.Equal(message.MessageId, (uint)BitConverter.ToInt32(message.Payload.Span));
            delivered.Add(message.MessageId);
        }

        var lost = DrainNotifications(receiver)
            .Prepend(firstLoss)
            .OfType<MessageLostNotification>()
            .SelectMany(n => Enumerable.Range(0, (int)n.Count).Select(k => n.FirstMessageId + (uint)k))
            .ToList();

        Assert.Equal(delivered.Order(), delivered);
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Empty(delivered.Intersect(lost));
        Assert.Equal(Enumerable.Range(1, count + 1).Select(i => (uint)i), delivered.Concat(lost).Order());
        TestContext.Current.TestOutputHelper?.WriteLine($"{delivered.Count} delivered, {lost.Count} reported lost; link: {lossy}");
        _log.AssertNoErrors();
    }

    private static List<SessionNotification> DrainNotifications(SlimSession session)
    {
        var notifications = new List<SessionNotification>();
        while (session.Handle.TryGetNotification(out var notification))
        {
            notifications.Add(notification);
        }

        return notifications;
    }

    private async Task<(SlimSession Sender, SlimSession Receiver, LossyFrameStream Link)> StartPairAsync(
        LossOptions loss, SlimSessionConfig config)
    {
        var node = await OurNode.StartAsync(_log);
        _owned.Add(node);
        LossyFrameStream? lossy = null;
        var grpc = new GrpcClientOptions { Endpoint = new Uri(node.Endpoint()) };
        var senderService = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(senderService);
        await senderService.ConnectAsync(
            async token => lossy = new LossyFrameStream(await GrpcStreamClient.ConnectAsync(grpc, token), loss),
            cancellationToken: Cancellation).WithTimeout();
        var receiverService = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(receiverService);
        await receiverService.ConnectAsync(node.Endpoint(), Cancellation).WithTimeout();

        var alice = await senderService.CreateAppAsync(SlimName.Parse("org/ns/alice"), SdkOverNodeTests.Secret, cancellationToken: Cancellation).WithTimeout();
        var bob = await receiverService.CreateAppAsync(SlimName.Parse("org/ns/bob"), SdkOverNodeTests.Secret, cancellationToken: Cancellation).WithTimeout();
        var session = await alice.CreateSessionAsync(config, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var peer = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        return (session, peer, lossy!);
    }
}
