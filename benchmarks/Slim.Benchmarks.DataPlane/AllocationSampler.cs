using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Slim.Benchmarks.DataPlane;

/// <summary>Samples the runtime's AllocationTick events (one per ~100 KB allocated) by type name.</summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, int> _samples = new();

    public IEnumerable<KeyValuePair<string, int>> Top(int count) => _samples.OrderByDescending(p => p.Value).Take(count);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.Payload is { } payload)
        {
            var index = eventData.PayloadNames!.IndexOf("TypeName");
            if (index >= 0 && payload[index] is string type)
            {
                _samples.AddOrUpdate(type, 1, (_, n) => n + 1);
            }
        }
    }
}
