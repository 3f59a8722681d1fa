using Slim.Protocol;

namespace Slim.DataPlane.Connections;

/// <summary>Settings of a <see cref="LocalConnection"/>.</summary>
public sealed record LocalConnectionOptions
{
    /// <summary>A 1024-message inbox and the official 10 s subscription-acknowledgement wait.</summary>
    public static LocalConnectionOptions Default { get; } = new();

    /// <summary>
    /// Deliveries the app's inbox holds. When it is full, further messages for the app are dropped and counted
    /// (<c>reason=queue_full</c>): a slow app never slows the processor.
    /// </summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>How long <see cref="LocalConnection.SubscribeAsync"/> waits for its acknowledgement.</summary>
    public TimeSpan SubscriptionAckTimeout { get; init; } = SlimConstants.SubscriptionAckTimeout;

    /// <summary>A label for logs.</summary>
    public string Description { get; init; } = "local app";

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SubscriptionAckTimeout, TimeSpan.Zero, nameof(SubscriptionAckTimeout));
        ArgumentNullException.ThrowIfNull(Description, nameof(Description));
    }
}
