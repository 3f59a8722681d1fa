using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Slim.Testing.Interop.Internal;

namespace Slim.Interop.Tests.OurSdk;

/// <summary>Whether our app sent or received a session message.</summary>
public enum TrafficDirection
{
    /// <summary>Sent by our app.</summary>
    Sent,

    /// <summary>Received by our app (counted before it is verified or processed).</summary>
    Received,
}

/// <summary>The <paramref name="Ordinal"/>-th session message of one type our app sent or received.</summary>
/// <param name="Direction">Sent or received.</param>
/// <param name="Type">The session message type as the metrics name it: the official enum name in lower case (<c>heartbeat</c>).</param>
/// <param name="Ordinal">1 for the app's first message of this type and direction, 2 for the next, ...</param>
/// <param name="Time">When it was counted.</param>
public sealed record SessionTrafficEvent(TrafficDirection Direction, string Type, long Ordinal, DateTimeOffset Time);

/// <summary>
/// The meter factory of one of our apps: it gives the app its own meters and turns the session layer's
/// <c>slim.session.messages.sent</c> / <c>received</c> counters into events a test can wait on ("our app received its
/// third HEARTBEAT"), so a wait for protocol time to pass ends on the protocol event itself.
/// </summary>
internal sealed class SessionTraffic : IMeterFactory
{
    private const string SentInstrument = "slim.session.messages.sent";
    private const string ReceivedInstrument = "slim.session.messages.received";
    private const string TypeTag = "slim.session.message_type";

    private readonly ConcurrentDictionary<Meter, byte> _meters = new();
    private readonly ConcurrentDictionary<(TrafficDirection, string), long> _counts = new();
    private readonly Mailbox<SessionTrafficEvent> _events = new();
    private readonly MeterListener _listener = new();

    public SessionTraffic()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.ContainsKey(instrument.Meter) && instrument.Name is SentInstrument or ReceivedInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>How many session messages of <paramref name="type"/> the app sent or received so far.</summary>
    public long Count(TrafficDirection direction, string type) => _counts.GetValueOrDefault((direction, type));

    /// <summary>Every counted message, in order.</summary>
    public IReadOnlyList<SessionTrafficEvent> Events => _events.Snapshot();

    /// <summary>Waits until the app has sent or received its <paramref name="ordinal"/>-th message of <paramref name="type"/>.</summary>
    public Task<SessionTrafficEvent> WaitForAsync(
        TrafficDirection direction, string type, long ordinal, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken) =>
        _events.WaitAsync(
            e => e.Direction == direction && e.Type == type && e.Ordinal >= ordinal,
            consume: false,
            timeout,
            $"waiting for {direction.ToString().ToLowerInvariant()} {type} #{ordinal} (so far {Count(direction, type)})",
            describe,
            cancellationToken);

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters[meter] = 0;
        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var meter in _meters.Keys)
        {
            meter.Dispose();
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var direction = instrument.Name == SentInstrument ? TrafficDirection.Sent : TrafficDirection.Received;
        foreach (var tag in tags)
        {
            if (tag.Key == TypeTag && tag.Value is string type)
            {
                var ordinal = _counts.AddOrUpdate((direction, type), value, (_, total) => total + value);
                _events.Add(new SessionTrafficEvent(direction, type, ordinal, DateTimeOffset.UtcNow));
                return;
            }
        }
    }
}
