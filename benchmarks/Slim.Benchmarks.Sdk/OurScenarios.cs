using System.Diagnostics;
using Slim.Client;
using Slim.DataPlane.Processing;
using Slim.Node.Configuration;
using Slim.Node.Hosting;
using Slim.Protocol;
using Slim.Session;

namespace Slim.Benchmarks.Sdk;

/// <summary>A throughput result: messages sent, delivered, and the time from the first send to the last delivery.</summary>
/// <param name="CpuSeconds">CPU time the whole process (node and apps) used meanwhile, all threads.</param>
internal sealed record Throughput(long Sent, long Received, double Seconds, double CpuSeconds)
{
    public double Rate => Received / Seconds;

    /// <summary>CPU microseconds per delivered message: robust to other load on the machine.</summary>
    public double CpuMicrosPerMessage => Received == 0 ? double.NaN : CpuSeconds * 1e6 / Received;
}

/// <summary>A latency result in milliseconds.</summary>
internal sealed record Latency(int Count, double P50, double P99);

/// <summary>
/// The scenarios on our side: our node (a <see cref="SlimNodeHost"/>, as the <c>slim</c> executable runs it) in this
/// process, and every app in its own <see cref="SlimService"/>, connected
/// to the node over h2c on 127.0.0.1, so all traffic goes through the node as between processes. The same shapes as
/// official/bench.mjs.
/// </summary>
internal sealed class OurScenarios : IAsyncDisposable
{
    private const string Secret = "slim-sdk-benchmark-shared-secret-0123456789";

    private readonly Settings _settings;
    private SlimNodeHost? _node;
    private readonly List<SlimService> _services = [];
    private readonly byte[] _payload;
    private string _endpoint = string.Empty;

    public OurScenarios(Settings settings)
    {
        _settings = settings;
        _payload = new byte[settings.Size];
        Array.Fill(_payload, (byte)'a');
    }

    private static SlimSessionConfig Reliable => SlimSessionConfig.PointToPoint with { MaxRetries = 5, RetryInterval = TimeSpan.FromSeconds(1) };

    public async Task StartAsync()
    {
        _node = await SlimNodeHost.StartAsync(new NodeConfiguration
        {
            SourceName = "SDK benchmark",
            DrainTimeout = TimeSpan.FromSeconds(2),
            DataPlane = DataPlaneOptions.Default with { NodeId = "bench-node" },
            Servers = [new NodeServerOptions { Transport = new GrpcServerOptions { Endpoints = ["127.0.0.1:0"] } }],
        });
        _endpoint = _node.Endpoints[0].GetLeftPart(UriPartial.Authority);
    }

    public async Task<Throughput> PointToPointAsync(bool reliable, int count, string tag)
    {
        var sender = await StartAppAsync($"bench/{tag}/sender");
        var receiver = await StartAppAsync($"bench/{tag}/receiver");
        var config = reliable ? Reliable : SlimSessionConfig.PointToPoint with { MaxRetries = null, RetryInterval = null };
        var session = await sender.CreateSessionAsync(config, receiver.Name.WithoutId());
        var incoming = await receiver.ListenForSessionAsync();
        var deadline = Deadline();
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var receiving = Task.Run(() => ReceiveAsync(incoming, count, deadline, clock, reliable ? 5000 : 1000));
        var sent = await PublishWindowedAsync(session, reliable, count, deadline);
        var (received, last) = await receiving;
        cpu = CpuSeconds() - cpu;
        await session.DeleteAsync();
        return new Throughput(sent, received, Math.Max(last, 0.001), cpu);
    }

    public async Task<Latency> RequestReplyAsync(int count, string tag)
    {
        var client = await StartAppAsync($"bench/{tag}/client");
        var server = await StartAppAsync($"bench/{tag}/server");
        var session = await client.CreateSessionAsync(Reliable, server.Name.WithoutId());
        var incoming = await server.ListenForSessionAsync();
        var echo = Task.Run(async () =>
        {
            try
            {
                await foreach (var request in incoming.ReadAllAsync())
                {
                    await incoming.PublishToAsync(request, request.Payload);
                }
            }
            catch (SlimSessionException)
            {
                // The client closed the session while an answer was on its way.
            }
        });

        var deadline = Deadline();
        var latencies = new List<double>(count);
        for (var i = 0; i < count && Stopwatch.GetTimestamp() < deadline; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await session.PublishAsync(_payload);
            await session.GetMessageAsync(TimeSpan.FromSeconds(5));
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        await session.DeleteAsync();
        await echo;
        latencies.Sort();
        double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        return new Latency(latencies.Count, At(0.5), At(0.99));
    }

    public async Task<Throughput> FanOutAsync(int count, string tag)
    {
        var moderator = await StartAppAsync($"bench/{tag}/moderator");
        var members = new List<SlimApp>();
        for (var i = 0; i < 4; i++)
        {
            members.Add(await StartAppAsync($"bench/{tag}/member-{i}"));
        }

        var group = await moderator.CreateSessionAsync(
            SlimSessionConfig.Group with { MaxRetries = 5, RetryInterval = TimeSpan.FromSeconds(1) }, SlimName.Parse($"bench/{tag}/chat"));
        var joined = new List<SlimSession>();
        foreach (var member in members)
        {
            await group.InviteAsync(member.Name.WithoutId());
            joined.Add(await member.ListenForSessionAsync());
        }

        var deadline = Deadline();
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var receiving = joined.Select(s => Task.Run(() => ReceiveAsync(s, count, deadline, clock, 5000))).ToArray();
        var sent = await PublishWindowedAsync(group, reliable: true, count, deadline);
        var results = await Task.WhenAll(receiving);
        cpu = CpuSeconds() - cpu;
        await group.DeleteAsync();
        return new Throughput(sent, results.Sum(r => r.Received), Math.Max(results.Max(r => r.Last), 0.001), cpu);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        if (_node is not null)
        {
            await _node.StopAsync();
        }
    }

    private async Task<SlimApp> StartAppAsync(string name)
    {
        var service = new SlimService();
        _services.Add(service);
        await service.ConnectAsync(_endpoint);
        return await service.CreateAppAsync(SlimName.Parse(name), Secret);
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private long Deadline() => Stopwatch.GetTimestamp() + (long)(_settings.Seconds * Stopwatch.Frequency);

    /// <summary>Keeps at most <see cref="Settings.Window"/> messages unacknowledged (reliable), as the official side does with completion handles.</summary>
    private async Task<long> PublishWindowedAsync(SlimSession session, bool reliable, int count, long deadline)
    {
        var pending = new Queue<Task>();
        long sent = 0;
        for (; sent < count && Stopwatch.GetTimestamp() < deadline; sent++)
        {
            if (reliable)
            {
                pending.Enqueue(session.PublishAndWaitAsync(_payload));
                if (pending.Count >= _settings.Window)
                {
                    await pending.Dequeue();
                }
            }
            else
            {
                await session.PublishAsync(_payload);
            }
        }

        while (pending.Count > 0)
        {
            await pending.Dequeue();
        }

        return sent;
    }

    private static async Task<(long Received, double Last)> ReceiveAsync(
        SlimSession session, int count, long deadline, Stopwatch clock, int idleMilliseconds)
    {
        long received = 0;
        var last = 0.0;
        while (received < count && Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                await session.GetMessageAsync(TimeSpan.FromMilliseconds(idleMilliseconds));
                received++;
                last = clock.Elapsed.TotalSeconds;
            }
            catch (SlimSessionException ex) when (ex.ErrorCode == SlimErrorCode.SessionTimeout)
            {
                break; // nothing more is coming
            }
        }

        return (received, last);
    }
}
