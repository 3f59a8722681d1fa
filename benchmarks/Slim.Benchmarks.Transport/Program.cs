using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Slim.DataPlane.Transport;
using Slim.Node.Hosting;
using Slim.Protocol.Framing;

namespace Slim.Benchmarks.Transport;

/// <summary>
/// Measures the gRPC transport end to end, client and server in this process over h2c on 127.0.0.1:
/// one-way frames/s with batched flushes, one-way with a flush per frame, pipelined echo round trips/s, and echo
/// round-trip latency with one frame in flight. Each scenario stops at its frame count or its time limit.
/// </summary>
internal static class Program
{
    private const string ModeHeader = "x-bench-mode";

    public static async Task<int> Main(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine("usage: Slim.Benchmarks.Transport [--seconds 5] [--count 2000000] [--rtt-count 50000] [--size 1024] [--batch 65536]");
            return 2;
        }

        await using var server = new GrpcStreamServer(new GrpcServerOptions { Endpoints = ["127.0.0.1:0"] }, HandleAsync);
        await server.StartAsync();
        var endpoint = new Uri($"http://127.0.0.1:{server.BoundEndpoints[0].Port}");
        Console.WriteLine($"gRPC transport over h2c on {endpoint}, {settings.Size}-byte payloads, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"bounds: {settings.Count:N0} frames or {settings.Seconds} s per throughput scenario; {settings.RttCount:N0} round trips or {settings.Seconds} s for latency");
        Console.WriteLine();

        // Warm-up: JIT and tiering of both ends.
        await OneWayAsync(endpoint, settings with { Count = 200_000, Seconds = 2 }, flushEvery: settings.Batch);
        await EchoLatencyAsync(endpoint, settings with { RttCount = 5_000, Seconds = 2 });

        var batched = await OneWayAsync(endpoint, settings, flushEvery: settings.Batch);
        Report($"one-way, flush every {settings.Batch / 1024} KiB", batched);
        var unbatched = await OneWayAsync(endpoint, settings, flushEvery: 0);
        Report("one-way, flush after every frame", unbatched);
        var pipelined = await PipelinedEchoAsync(endpoint, settings);
        Report("echo, pipelined (batched flushes)", pipelined);
        var latency = await EchoLatencyAsync(endpoint, settings);
        Console.WriteLine(
            $"{"echo, 1 in flight",-40} {latency.Count,10:N0} round trips  p50 {latency.P50,7:0.0} us  p90 {latency.P90,7:0.0} us  p99 {latency.P99,7:0.0} us  p99.9 {latency.P999,7:0.0} us  ({latency.Count / latency.Seconds:N0} rt/s, {latency.AllocatedPerOp:N0} B/rt)");

        await server.StopAsync(TimeSpan.FromSeconds(2));
        return 0;
    }

    private static async Task HandleAsync(IFrameStream stream, CancellationToken token)
    {
        var mode = ((GrpcServerStream)stream).GetRequestHeader(ModeHeader);
        if (mode == "sink")
        {
            var frames = await CountFramesAsync(stream.Input, long.MaxValue, token);
            GrpcFraming.WriteFrame(stream.Output, BitConverter.GetBytes(frames));
            await stream.Output.FlushAsync(token);
            return;
        }

        // Echo: whatever arrives goes back, one flush per read.
        while (true)
        {
            var result = await stream.Input.ReadAsync(token);
            foreach (var segment in result.Buffer)
            {
                stream.Output.Write(segment.Span);
            }

            stream.Input.AdvanceTo(result.Buffer.End);
            var flush = await stream.Output.FlushAsync(token);
            if (result.IsCompleted || flush.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task<Throughput> OneWayAsync(Uri endpoint, Settings settings, int flushEvery)
    {
        await using var client = await ConnectAsync(endpoint, "sink");
        var payload = new byte[settings.Size];
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        while (sent < settings.Count && ((sent & 1023) != 0 || Stopwatch.GetTimestamp() < deadline))
        {
            GrpcFraming.WriteFrame(client.Output, payload);
            sent++;
            if (flushEvery == 0 || client.Output.UnflushedBytes >= flushEvery)
            {
                await client.Output.FlushAsync();
            }
        }

        await client.Output.FlushAsync();
        await client.CompleteAsync();
        var reply = await ReadFrameAsync(client);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var received = BitConverter.ToInt64(reply);
        if (received != sent)
        {
            throw new InvalidOperationException($"sent {sent} frames, the server counted {received}");
        }

        return new Throughput(sent, elapsed, settings.Size, (GC.GetTotalAllocatedBytes(precise: false) - allocated) / (double)sent);
    }

    private static async Task<Throughput> PipelinedEchoAsync(Uri endpoint, Settings settings)
    {
        await using var client = await ConnectAsync(endpoint, "echo");
        var payload = new byte[settings.Size];
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var started = Stopwatch.GetTimestamp();
        var receiver = Task.Run(() => CountFramesAsync(client.Input, long.MaxValue, CancellationToken.None));
        long sent = 0;
        while (Stopwatch.GetTimestamp() < deadline && sent < settings.Count)
        {
            for (var i = 0; i < 64; i++)
            {
                GrpcFraming.WriteFrame(client.Output, payload);
            }

            sent += 64;
            if (client.Output.UnflushedBytes >= settings.Batch)
            {
                await client.Output.FlushAsync();
            }
        }

        await client.Output.FlushAsync();
        await client.CompleteAsync();
        var received = await receiver;
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (received != sent)
        {
            throw new InvalidOperationException($"sent {sent} frames, {received} came back");
        }

        return new Throughput(sent, elapsed, settings.Size, (GC.GetTotalAllocatedBytes(precise: false) - allocated) / (double)sent);
    }

    private static async Task<Latency> EchoLatencyAsync(Uri endpoint, Settings settings)
    {
        await using var client = await ConnectAsync(endpoint, "echo");
        var payload = new byte[settings.Size];
        var samples = new long[settings.RttCount];
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var started = Stopwatch.GetTimestamp();
        var count = 0;
        while (count < samples.Length && Stopwatch.GetTimestamp() < deadline)
        {
            var t0 = Stopwatch.GetTimestamp();
            GrpcFraming.WriteFrame(client.Output, payload);
            await client.Output.FlushAsync();
            await SkipFrameAsync(client);
            samples[count++] = Stopwatch.GetTimestamp() - t0;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var perOp = (GC.GetTotalAllocatedBytes(precise: false) - allocated) / (double)count;
        await client.CompleteAsync();
        Array.Sort(samples, 0, count);
        double Percentile(double p) => samples[Math.Min(count - 1, (int)(p * count))] * 1_000_000.0 / Stopwatch.Frequency;
        return new Latency(count, elapsed, Percentile(0.50), Percentile(0.90), Percentile(0.99), Percentile(0.999), perOp);
    }

    private static Task<IFrameStream> ConnectAsync(Uri endpoint, string mode) =>
        GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = endpoint, Headers = [new(ModeHeader, mode)] });

    private static async Task<long> CountFramesAsync(System.IO.Pipelines.PipeReader input, long limit, CancellationToken token)
    {
        long frames = 0;
        while (frames < limit)
        {
            var result = await input.ReadAsync(token);
            var buffer = result.Buffer;
            while (GrpcFraming.TryReadFrame(ref buffer, 16 * 1024 * 1024, out _) == FrameStatus.Complete)
            {
                frames++;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return frames;
    }

    private static async Task<byte[]> ReadFrameAsync(IFrameStream client)
    {
        while (true)
        {
            var result = await client.Input.ReadAsync();
            var buffer = result.Buffer;
            if (GrpcFraming.TryReadFrame(ref buffer, 16 * 1024 * 1024, out var payload) == FrameStatus.Complete)
            {
                var bytes = payload.ToArray();
                client.Input.AdvanceTo(buffer.Start);
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new InvalidOperationException("the stream ended before the reply");
            }

            client.Input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async ValueTask SkipFrameAsync(IFrameStream client)
    {
        while (true)
        {
            var result = await client.Input.ReadAsync();
            var buffer = result.Buffer;
            if (GrpcFraming.TryReadFrame(ref buffer, 16 * 1024 * 1024, out _) == FrameStatus.Complete)
            {
                client.Input.AdvanceTo(buffer.Start);
                return;
            }

            if (result.IsCompleted)
            {
                throw new InvalidOperationException("the stream ended before the echo");
            }

            client.Input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static void Report(string name, Throughput t) =>
        Console.WriteLine(
            $"{name,-40} {t.Frames,10:N0} frames  {t.Frames / t.Seconds,12:N0} msgs/s  {t.Frames * (double)t.Size / t.Seconds / (1024 * 1024),8:N1} MiB/s  ({t.AllocatedPerOp:N0} B/msg allocated)");

    private sealed record Throughput(long Frames, double Seconds, int Size, double AllocatedPerOp);

    private sealed record Latency(int Count, double Seconds, double P50, double P90, double P99, double P999, double AllocatedPerOp);

    private sealed record Settings(double Seconds, long Count, int RttCount, int Size, int Batch)
    {
        public static Settings? Parse(string[] args)
        {
            var settings = new Settings(Seconds: 5, Count: 2_000_000, RttCount: 50_000, Size: 1024, Batch: 64 * 1024);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
                {
                    return null;
                }

                settings = args[i] switch
                {
                    "--seconds" => settings with { Seconds = value },
                    "--count" => settings with { Count = (long)value },
                    "--rtt-count" => settings with { RttCount = (int)value },
                    "--size" => settings with { Size = (int)value },
                    "--batch" => settings with { Batch = (int)value },
                    _ => null,
                };
                if (settings is null)
                {
                    return null;
                }
            }

            return args.Length % 2 == 0 ? settings : null;
        }
    }
}
