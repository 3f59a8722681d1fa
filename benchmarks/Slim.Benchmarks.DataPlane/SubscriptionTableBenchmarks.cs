using BenchmarkDotNet.Attributes;
using Slim.DataPlane.Tables;
using Slim.Protocol;

namespace Slim.Benchmarks.DataPlane;

/// <summary>Lookups in a table of 10,000 names (1,000 services x 10 instances) plus a 10-member channel.</summary>
[MemoryDiagnoser]
public class SubscriptionTableBenchmarks
{
    private readonly SubscriptionTable _table = new();
    private SlimName _specific;
    private SlimName _anyInstance;
    private SlimName _channel;
    private SlimName _missing;

    [GlobalSetup]
    public void Setup()
    {
        ulong connection = 1;
        for (var service = 0; service < 1000; service++)
        {
            var prefix = new SlimName("org", "ns", $"service-{service}");
            for (ulong instance = 1; instance <= 10; instance++)
            {
                _table.Add(prefix.WithId(instance), connection++, ConnectionType.Edge, instance);
            }
        }

        _channel = new SlimName("org", "ns", "chat", 77);
        for (ulong member = 0; member < 10; member++)
        {
            _table.Add(_channel, 50_000 + member, ConnectionType.Edge, member + 1);
        }

        _specific = new SlimName("org", "ns", "service-500", 7);
        _anyInstance = _specific.WithoutId();
        _missing = new SlimName("org", "ns", "nobody", 1);
    }

    [Benchmark]
    public ulong MatchOne_SpecificId() => _table.TryMatchOne(_specific, 0, ConnectionTypeFilter.All, out var id) ? id : 0;

    [Benchmark]
    public ulong MatchOne_AnyInstance() => _table.TryMatchOne(_anyInstance, 0, ConnectionTypeFilter.All, out var id) ? id : 0;

    [Benchmark]
    public ulong MatchAll_Channel_10_members()
    {
        ulong sum = 0;
        if (_table.TryMatchAll(_channel, 50_000, ConnectionTypeFilter.All, out var members))
        {
            foreach (var id in members)
            {
                sum += id;
            }
        }

        return sum;
    }

    [Benchmark]
    public bool Miss() => _table.TryMatchOne(_missing, 0, ConnectionTypeFilter.All, out _);

    [Benchmark]
    public void Subscribe_and_unsubscribe()
    {
        _table.Add(_specific, 999_999, ConnectionType.Edge, 42);
        _table.Remove(_specific, 999_999, 42);
    }
}
