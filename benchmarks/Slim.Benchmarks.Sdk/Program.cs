using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Slim.Benchmarks.Sdk;

/// <summary>Bounds of one run (each scenario stops at its count or its time limit).</summary>
internal sealed record Settings(int Count, double Seconds, int RttCount, int Size, int Window, int Warmup, bool OursOnly)
{
    public static Settings? Parse(string[] args)
    {
        var settings = new Settings(20_000, 10, 1_000, 1024, 128, 1_000, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                settings = args[i] switch
                {
                    "--count" => settings with { Count = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--seconds" => settings with { Seconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--rtt-count" => settings with { RttCount = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--size" => settings with { Size = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--window" => settings with { Window = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--warmup" => settings with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--ours-only" => settings with { OursOnly = true },
                    _ => throw new FormatException($"unknown argument {args[i]}"),
                };
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return null;
            }
        }

        return settings.Count > 0 && settings.Seconds > 0 && settings.RttCount > 0 && settings.Size > 0 && settings.Window > 0
            ? settings
            : null;
    }

    public string[] ToOfficialArguments() =>
    [
        "--count", Count.ToString(CultureInfo.InvariantCulture),
        "--seconds", Seconds.ToString(CultureInfo.InvariantCulture),
        "--rtt-count", RttCount.ToString(CultureInfo.InvariantCulture),
        "--size", Size.ToString(CultureInfo.InvariantCulture),
        "--window", Window.ToString(CultureInfo.InvariantCulture),
        "--warmup", Warmup.ToString(CultureInfo.InvariantCulture),
    ];
}

/// <summary>
/// Our SDK and node against the official SDK and node, same machine, one run: point-to-point reliable and best-effort
/// throughput, reliable request/reply latency, group fan-out 1 to 4. Ours runs first, then official/bench.mjs (node,
/// @agntcy/slim-bindings 2.0.0-alpha.5); a table gives each figure and the ratio ours/official.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine(
                "usage: Slim.Benchmarks.Sdk [--count 20000] [--seconds 10] [--rtt-count 1000] [--size 1024] [--window 128] [--warmup 1000] [--ours-only]");
            return 2;
        }

        Console.WriteLine(
            $"SLIM SDK end to end: {settings.Size}-byte payloads, window {settings.Window}, {settings.Count:N0} messages or {settings.Seconds} s per " +
            $"throughput scenario, {settings.RttCount:N0} round trips or {settings.Seconds} s for latency; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        var ours = await RunOursAsync(settings);
        Results? official = null;
        string? officialProblem = null;
        if (!settings.OursOnly)
        {
            try
            {
                official = await OfficialRunner.RunAsync(settings);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException or JsonException or System.ComponentModel.Win32Exception
                or Slim.Testing.Interop.InteropHarnessException)
            {
                officialProblem = ex.Message;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"scenario",-44} {"ours",14} {"official",14} {"ours/official",14}");
        Row("P2P reliable, msgs/s", ours.P2pReliable.Rate, official?.P2pReliable.Rate, higherIsBetter: true);
        Row("P2P best effort, delivered msgs/s", ours.P2pUnreliable.Rate, official?.P2pUnreliable.Rate, higherIsBetter: true);
        Row("request/reply reliable, p50 ms", ours.RequestReply.P50, official?.RequestReply.P50, higherIsBetter: false);
        Row("request/reply reliable, p99 ms", ours.RequestReply.P99, official?.RequestReply.P99, higherIsBetter: false);
        Row("group fan-out 1->4, delivered msgs/s", ours.FanOut.Rate, official?.FanOut.Rate, higherIsBetter: true);
        Row("P2P reliable, CPU us per message", ours.P2pReliable.CpuMicrosPerMessage, official?.P2pReliable.CpuMicrosPerMessage, higherIsBetter: false);
        Row("P2P best effort, CPU us per message", ours.P2pUnreliable.CpuMicrosPerMessage, official?.P2pUnreliable.CpuMicrosPerMessage, higherIsBetter: false);
        Row("group fan-out 1->4, CPU us per delivery", ours.FanOut.CpuMicrosPerMessage, official?.FanOut.CpuMicrosPerMessage, higherIsBetter: false);
        Console.WriteLine();
        Console.WriteLine(
            $"deliveries: ours P2P best effort {ours.P2pUnreliable.Received:N0}/{ours.P2pUnreliable.Sent:N0}, fan-out {ours.FanOut.Received:N0}/{ours.FanOut.Sent * 4:N0}, " +
            $"round trips {ours.RequestReply.Count:N0}" +
            (official is null ? string.Empty
                : $"; official P2P best effort {official.P2pUnreliable.Received:N0}/{official.P2pUnreliable.Sent:N0}, fan-out {official.FanOut.Received:N0}/{official.FanOut.Sent * 4:N0}, round trips {official.RequestReply.Count:N0}"));
        if (officialProblem is not null)
        {
            Console.WriteLine($"official side not run: {officialProblem}");
        }

        return 0;
    }

    private static async Task<Results> RunOursAsync(Settings settings)
    {
        await using var scenarios = new OurScenarios(settings);
        await scenarios.StartAsync();
        Console.Error.WriteLine("[ours] warming up");
        await scenarios.PointToPointAsync(reliable: true, settings.Warmup, "w1");
        await scenarios.RequestReplyAsync(Math.Min(200, settings.RttCount), "w2");
        await scenarios.FanOutAsync(settings.Warmup, "w3");

        Console.Error.WriteLine("[ours] P2P reliable");
        var reliable = await scenarios.PointToPointAsync(reliable: true, settings.Count, "r");
        Console.Error.WriteLine($"[ours]   {reliable.Rate:N0} msgs/s");
        Console.Error.WriteLine("[ours] P2P best effort");
        var unreliable = await scenarios.PointToPointAsync(reliable: false, settings.Count, "u");
        Console.Error.WriteLine($"[ours]   {unreliable.Rate:N0} msgs/s");
        Console.Error.WriteLine("[ours] request/reply");
        var latency = await scenarios.RequestReplyAsync(settings.RttCount, "q");
        Console.Error.WriteLine($"[ours]   p50 {latency.P50:0.000} ms, p99 {latency.P99:0.000} ms");
        Console.Error.WriteLine("[ours] group fan-out 1->4");
        var fanOut = await scenarios.FanOutAsync(settings.Count, "g");
        Console.Error.WriteLine($"[ours]   {fanOut.Rate:N0} deliveries/s");
        return new Results(reliable, unreliable, latency, fanOut);
    }

    private static string FormatRatio(double ratio) =>
        ratio.ToString(ratio >= 10 ? "0.0" : ratio >= 0.1 ? "0.00" : "0.0000", CultureInfo.InvariantCulture) + "x";

    private static void Row(string name, double ours, double? official, bool higherIsBetter)
    {
        var format = higherIsBetter ? "N0" : "0.00";
        var officialText = official is { } o ? o.ToString(format, CultureInfo.InvariantCulture) : "-";
        var ratio = official is { } value && value > 0 ? FormatRatio(ours / value) : "-";
        Console.WriteLine(
            $"{name,-44} {ours.ToString(format, CultureInfo.InvariantCulture),14} {officialText,14} {ratio,14}{(higherIsBetter ? string.Empty : "  (lower is better)")}");
    }
}
