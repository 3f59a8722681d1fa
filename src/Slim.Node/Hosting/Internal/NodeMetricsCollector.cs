using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// The meter factory given to the node's <see cref="DataPlane.Processing.MessageProcessor"/>: it owns the meters the
/// processor creates and listens to their instruments only (other nodes in the same process have their own), summing
/// counters and keeping the last value of gauges, so the node can log them and tests can read them.
/// </summary>
/// <remarks>
/// The measurement callback runs on the routing hot path, once per counted event: it looks the series up by
/// instrument and tag values (no string building) and adds with one interlocked operation.
/// </remarks>
internal sealed class NodeMetricsCollector : IMeterFactory
{
    private readonly ConcurrentDictionary<Meter, byte> _meters = new();
    private readonly ConcurrentDictionary<SeriesKey, StrongBox<long>> _series = new();
    private readonly MeterListener _listener = new();
    private int _disposed;

    public NodeMetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.ContainsKey(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => OnMeasurement(instrument, value, tags, state));
        _listener.Start();
    }

    public Meter Create(MeterOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var meter = new Meter(options);
        _meters[meter] = 0;

        // Instruments created later are announced to InstrumentPublished; nothing exists on the meter yet.
        return meter;
    }

    public NodeMetricsSnapshot Snapshot()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _listener.RecordObservableInstruments();
        }

        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, box) in _series)
        {
            var name = key.Name();
            values[name] = values.GetValueOrDefault(name) + Volatile.Read(ref box.Value);
        }

        return new NodeMetricsSnapshot(values);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _listener.Dispose();
        foreach (var meter in _meters.Keys)
        {
            meter.Dispose();
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var key = new SeriesKey(
            instrument,
            tags.Length > 0 ? tags[0] : default,
            tags.Length > 1 ? tags[1] : default,
            tags.Length > 2 ? tags[2] : default,
            tags.Length > 3 ? Overflow(tags[3..]) : null);
        var box = _series.GetOrAdd(key, static _ => new StrongBox<long>());
        if (instrument is ObservableGauge<long> or ObservableGauge<int>)
        {
            Volatile.Write(ref box.Value, value);
        }
        else
        {
            Interlocked.Add(ref box.Value, value);
        }
    }

    private static string Overflow(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = new StringBuilder();
        foreach (var tag in tags)
        {
            text.Append(',').Append(tag.Key).Append('=').Append(tag.Value);
        }

        return text.ToString();
    }

    /// <summary>One series: the instrument and up to three tags by value (more are folded into a string).</summary>
    private readonly struct SeriesKey : IEquatable<SeriesKey>
    {
        private readonly Instrument _instrument;
        private readonly KeyValuePair<string, object?> _tag1;
        private readonly KeyValuePair<string, object?> _tag2;
        private readonly KeyValuePair<string, object?> _tag3;
        private readonly string? _more;

        public SeriesKey(
            Instrument instrument,
            KeyValuePair<string, object?> tag1,
            KeyValuePair<string, object?> tag2,
            KeyValuePair<string, object?> tag3,
            string? more)
        {
            _instrument = instrument;
            _tag1 = tag1;
            _tag2 = tag2;
            _tag3 = tag3;
            _more = more;
        }

        public bool Equals(SeriesKey other) =>
            ReferenceEquals(_instrument, other._instrument)
            && Same(_tag1, other._tag1)
            && Same(_tag2, other._tag2)
            && Same(_tag3, other._tag3)
            && string.Equals(_more, other._more, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is SeriesKey other && Equals(other);

        public override int GetHashCode() =>
            HashCode.Combine(_instrument, _tag1.Key, _tag1.Value, _tag2.Key, _tag2.Value, _tag3.Value, _more);

        public string Name()
        {
            if (_tag1.Key is null)
            {
                return _instrument.Name;
            }

            var text = new StringBuilder(_instrument.Name).Append('{');
            Append(text, _tag1, first: true);
            Append(text, _tag2, first: false);
            Append(text, _tag3, first: false);
            return text.Append(_more).Append('}').ToString();
        }

        private static bool Same(KeyValuePair<string, object?> a, KeyValuePair<string, object?> b) =>
            string.Equals(a.Key, b.Key, StringComparison.Ordinal) && Equals(a.Value, b.Value);

        private static void Append(StringBuilder text, KeyValuePair<string, object?> tag, bool first)
        {
            if (tag.Key is not null)
            {
                text.Append(first ? string.Empty : ",").Append(tag.Key).Append('=').Append(tag.Value);
            }
        }
    }
}
