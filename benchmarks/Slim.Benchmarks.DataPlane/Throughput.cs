using System.Diagnostics;
using Slim.DataPlane.Processing;
using Slim.Protocol;

namespace Slim.Benchmarks.DataPlane;

/// <summary>
/// Messages per second through one processor over in-memory streams (no sockets), header MACs on both links:
/// one sender to one receiver, and one sender to four group members. Comparable to the relay figures of
/// <c>grpc-on-kestrel.md</c> minus the HTTP/2 transport.
/// </summary>
internal static class Throughput
{
    private const int Batch = 2000;

    public static async Task RunAsync(TimeSpan duration)
    {
        await RunBaselineAsync(duration);
        await RunScenarioAsync("1 sender -> node -> 1 receiver", 1, duration);
        await RunScenarioAsync("1 sender -> node -> 4 group members", 4, duration);
    }

    // The same traffic through the prototype-style raw relay, to compare under the same machine load.
    private static async Task RunBaselineAsync(TimeSpan duration)
    {
        var (senderEnd, relayIn) = PipeFrameStream.CreatePair();
        var (receiverEnd, relayOut) = PipeFrameStream.CreatePair();
        await using var relay = new RawRelayBaseline(relayIn.Input, relayOut.Output);
        var sender = new RawLinkless(senderEnd);
        var receiver = new RawLinkless(receiverEnd);
        var frame = RawLinkless.Frame(Samples.Publish(Samples.Bob));
        var batch = new byte[frame.Length * Batch];
        for (var i = 0; i < Batch; i++)
        {
            frame.CopyTo(batch, i * frame.Length);
        }

        await RunRawBatchAsync(sender, receiver, batch);
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long messages = 0;
        while (watch.Elapsed < duration)
        {
            await RunRawBatchAsync(sender, receiver, batch);
            messages += Batch;
        }

        process.Refresh();
        Console.WriteLine(
            $"baseline raw relay (no parse, no MAC): {messages / watch.Elapsed.TotalSeconds:N0} msgs/s, " +
            $"{(process.TotalProcessorTime - cpu).TotalMicroseconds / messages:N2} us CPU per message");
    }

    private static async Task RunRawBatchAsync(RawLinkless sender, RawLinkless receiver, byte[] batch)
    {
        var drain = receiver.DrainAsync(Batch);
        const int Chunk = 64 * 1024;
        for (var offset = 0; offset < batch.Length; offset += Chunk)
        {
            await sender.Stream.Output.WriteAsync(batch.AsMemory(offset, Math.Min(Chunk, batch.Length - offset)));
        }

        await drain;
    }

    private static async Task RunScenarioAsync(string name, int receivers, TimeSpan duration)
    {
        await using var node = new MessageProcessor(DataPlaneOptions.Default with { OutboundQueueCapacity = Batch * 2 });
        var sender = await RawLink.ConnectAsync(node);
        var sinks = new List<RawLink>();
        var destination = receivers == 1 ? Samples.Bob : Samples.Chat;
        for (var i = 0; i < receivers; i++)
        {
            var sink = await RawLink.ConnectAsync(node);
            await sink.SubscribeAsync(destination);
            sinks.Add(sink);
        }

        var frame = sender.Frame(Samples.Publish(destination, receivers == 1 ? SlimConstants.AnycastFanout : SlimConstants.GroupFanout));
        var batch = new byte[frame.Length * Batch];
        for (var i = 0; i < Batch; i++)
        {
            frame.CopyTo(batch, i * frame.Length);
        }

        // Warm up, then measure whole batches for the duration.
        await RunBatchAsync(sender, sinks, batch);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long messages = 0;
        while (watch.Elapsed < duration)
        {
            await RunBatchAsync(sender, sinks, batch);
            messages += Batch;
        }

        watch.Stop();
        process.Refresh();
        var cpuPerMessage = (process.TotalProcessorTime - cpu).TotalMicroseconds / messages;
        var perMessage = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)messages;
        Console.WriteLine(
            $"{name}: {messages / watch.Elapsed.TotalSeconds:N0} msgs/s, {messages * receivers / watch.Elapsed.TotalSeconds:N0} deliveries/s, " +
            $"{cpuPerMessage:N2} us CPU per message (sender, node and receivers together), " +
            $"{perMessage:N0} B allocated per message, {GC.CollectionCount(0) - gen0} gen0 GCs ({frame.Length} B frames)");

        await sender.DisposeAsync();
        foreach (var sink in sinks)
        {
            await sink.DisposeAsync();
        }
    }

    // The sender writes and flushes 64 KiB at a time, as a transport with flow control does.
    private static async Task RunBatchAsync(RawLink sender, List<RawLink> sinks, byte[] batch)
    {
        var drains = sinks.Select(s => s.DrainAsync(Batch)).ToArray();
        const int Chunk = 64 * 1024;
        for (var offset = 0; offset < batch.Length; offset += Chunk)
        {
            await sender.Stream.Output.WriteAsync(batch.AsMemory(offset, Math.Min(Chunk, batch.Length - offset)));
        }

        await Task.WhenAll(drains);
    }
}
