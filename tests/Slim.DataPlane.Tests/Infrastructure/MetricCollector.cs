using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Slim.DataPlane.Tests.Infrastructure;

/// <summary>Collects the measurements of one meter instance (so parallel tests do not see each other's).</summary>
internal sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, long> _totals = new();

    public MetricCollector(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            foreach (var tag in tags)
            {
                _totals.AddOrUpdate($"{instrument.Name}|{tag.Key}={tag.Value}", value, (_, v) => v + value);
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements, optionally only those carrying one tag value.</summary>
    public long Get(string instrument, string? tag = null, string? value = null) =>
        _totals.GetValueOrDefault(tag is null ? instrument : $"{instrument}|{tag}={value}");

    public long Dropped(string reason) => Get("slim.dataplane.messages.dropped", "reason", reason);

    /// <summary>Polls observable instruments (the subscription gauge) once.</summary>
    public long Observe(string instrument)
    {
        long last = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == instrument && ReferenceEquals(i.Meter, _meter))
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => last = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return last;
    }

    public void Dispose() => _listener.Dispose();
}
