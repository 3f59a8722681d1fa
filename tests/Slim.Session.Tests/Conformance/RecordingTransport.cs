using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Tests.Conformance;

/// <summary>
/// A transport that only records, in call order, what the session layer asked for: publishes, and subscriptions
/// rendered as the Subscribe/Unsubscribe messages an SDK would send (source = the app, destination = the channel).
/// </summary>
internal sealed class RecordingTransport : ISessionTransport
{
    private readonly List<Message> _sent = [];

    public IReadOnlyList<Message> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) => Record(message.Clone());

    public ValueTask SubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken) =>
        Record(WireMessage.CreateSubscribe(subscriber, name, 1));

    public ValueTask UnsubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken) =>
        Record(WireMessage.CreateUnsubscribe(subscriber, name, 1));

    public ValueTask SetRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask RemoveRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private ValueTask Record(Message message)
    {
        lock (_sent)
        {
            _sent.Add(message);
        }

        return ValueTask.CompletedTask;
    }
}
