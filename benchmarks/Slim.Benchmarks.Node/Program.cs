using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Slim.Benchmarks.Node;

/// <summary>
/// Runs benchmarks/node-load/load.mjs (official SLIM apps from npm @agntcy/slim-bindings@2.0.0-alpha.5) against an
/// official node (tests/interop/node.mjs, strict, as the stock binary) and against our <c>slim</c> executable (one
/// process each for the whole run, warmed up first), in alternating rounds, and prints each round and a summary with
/// the ratio ours/official. Every node and load process is bounded in time and stopped by its PID.
/// </summary>
internal static class Program
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> Main(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine("usage: Slim.Benchmarks.Node [--rounds 2] [--seconds 10] [--p2p-messages 20000] [--fanout-messages 5000] [--pings 2000] [--size 1024]");
            return 2;
        }

        var root = FindRepositoryRoot();
        var harness = Path.Combine(root, "tests", "interop");
        if (!Directory.Exists(Path.Combine(harness, "node_modules", "@agntcy", "slim-bindings")))
        {
            Console.Error.WriteLine($"The official package is not installed: run `npm ci` in {harness} (npm 11.13.0 lock, see docs/interop.md).");
            return 2;
        }

        var slim = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "slim.exe" : "slim");
        Console.WriteLine($"Node benchmark: official apps (npm @agntcy/slim-bindings 2.0.0-alpha.5) through each node, {settings.Size}-byte messages");
        Console.WriteLine($"{Environment.ProcessorCount} cores, load average {LoadAverage()}, {settings.Rounds} round(s), bounds: {settings.Seconds} s per run, "
            + $"{settings.P2pMessages:N0} P2P messages, {settings.FanoutMessages:N0} fan-out messages, {settings.Pings:N0} round trips");
        Console.WriteLine();

        // One process per node for the whole run. A warm-up pass (not counted) lets our node's JIT compile its hot
        // paths, as a long-running node has; the official node is native code and gains nothing from it.
        await using var official = await NodeProcess.StartOfficialAsync(harness, FreePort());
        await using var ours = await NodeProcess.StartOursAsync(slim, FreePort());
        var nodes = new[] { ("official", official), ("ours", ours) };
        foreach (var (kind, node) in nodes)
        {
            var warmUp = settings with { Seconds = Math.Min(settings.Seconds, 5), P2pMessages = 5_000, FanoutMessages = 1_500, Pings = 300 };
            await RunLoadAsync(root, node.Endpoint, warmUp);
            Console.WriteLine($"warm-up against the {kind} node done");
        }

        var results = new Dictionary<string, List<JsonElement>> { ["official"] = [], ["ours"] = [] };
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var (kind, node) in round % 2 == 1 ? nodes : nodes.Reverse())
            {
                var cpuBefore = node.CpuTime;
                var result = await RunLoadAsync(root, node.Endpoint, settings);
                var cpu = node.CpuTime - cpuBefore;
                results[kind].Add(result);
                Console.WriteLine($"round {round}, {kind,-8} node: {Describe(result)}, node CPU {cpu.TotalSeconds:0.00} s");
            }
        }

        // The request/reply scenario with acks is bounded by time, and our node completes several times more round
        // trips in it than the official one (no delayed-ACK stall), so whole-run CPU is not work-for-work.
        Console.WriteLine($"CPU time of the node processes over the whole run: official {official.CpuTime.TotalSeconds:0.0} s, ours {ours.CpuTime.TotalSeconds:0.0} s "
            + "(request/reply with acks is time-bounded: compare the round trips each node completed)");
        Console.WriteLine();
        PrintSummary(results);
        return 0;
    }

    private static async Task<JsonElement> RunLoadAsync(string root, Uri endpoint, Settings settings)
    {
        var script = Path.Combine(root, "benchmarks", "node-load", "load.mjs");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--endpoint", endpoint.ToString().TrimEnd('/'),
                "--seconds", settings.Seconds.ToString(CultureInfo.InvariantCulture),
                "--size", settings.Size.ToString(CultureInfo.InvariantCulture),
                "--p2p-messages", settings.P2pMessages.ToString(CultureInfo.InvariantCulture),
                "--fanout-messages", settings.FanoutMessages.ToString(CultureInfo.InvariantCulture),
                "--pings", settings.Pings.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var load = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stderr = load.StandardError.ReadToEndAsync();
        var stdout = load.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds((settings.Seconds * 8) + 120));
        try
        {
            await load.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            load.Kill(entireProcessTree: true);
            throw new TimeoutException($"load.mjs against {endpoint} did not finish in time:{Environment.NewLine}{await stderr}");
        }

        var line = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"load.mjs printed no result:{Environment.NewLine}{await stderr}");
        var result = JsonDocument.Parse(line).RootElement.Clone();
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"load.mjs against {endpoint} failed: {error}{Environment.NewLine}{await stderr}");
        }

        return result.GetProperty("results");
    }

    private static string Describe(JsonElement r) =>
        $"P2P reliable {Rate(r, "p2pReliable"):N0}/s, P2P best effort {Rate(r, "p2pUnreliable"):N0}/s "
        + $"({Get(r, "p2pUnreliable", "delivered"):N0}/{Get(r, "p2pUnreliable", "sent"):N0} delivered), "
        + $"req/rep p50 {Get(r, "reqRep", "p50"):0.00} ms p99 {Get(r, "reqRep", "p99"):0.00} ms ({Get(r, "reqRep", "count"):N0} rt), "
        + $"best effort p50 {Get(r, "reqRepBestEffort", "p50"):0.00} ms p99 {Get(r, "reqRepBestEffort", "p99"):0.00} ms, "
        + $"fan-out 1->4 {Rate(r, "fanout"):N0} deliveries/s";

    private static void PrintSummary(Dictionary<string, List<JsonElement>> results)
    {
        Console.WriteLine("Summary (median of the rounds; ratio = ours / official, > 1 is better for throughput, < 1 is better for latency)");
        Console.WriteLine();
        Console.WriteLine($"| {"scenario",-34} | {"official",14} | {"ours",14} | {"ratio",7} |");
        Console.WriteLine($"| {new string('-', 34)} | {new string('-', 14)} | {new string('-', 14)} | {new string('-', 7)} |");
        Row("P2P reliable, 1 KiB (msgs/s)", r => Rate(r, "p2pReliable"), "N0");
        Row("P2P best effort, 1 KiB (msgs/s)", r => Rate(r, "p2pUnreliable"), "N0");
        Row("request/reply p50 (ms)", r => Get(r, "reqRep", "p50"), "0.00");
        Row("request/reply p99 (ms)", r => Get(r, "reqRep", "p99"), "0.00");
        Row("req/rep, best effort p50 (ms)", r => Get(r, "reqRepBestEffort", "p50"), "0.00");
        Row("req/rep, best effort p99 (ms)", r => Get(r, "reqRepBestEffort", "p99"), "0.00");
        Row("group fan-out 1->4 (deliveries/s)", r => Rate(r, "fanout"), "N0");

        void Row(string name, Func<JsonElement, double> metric, string format)
        {
            var official = Median(results["official"].Select(metric));
            var ours = Median(results["ours"].Select(metric));
            var ratio = official > 0 ? (ours / official).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";
            Console.WriteLine($"| {name,-34} | {official.ToString(format, CultureInfo.InvariantCulture),14} | {ours.ToString(format, CultureInfo.InvariantCulture),14} | {ratio,7} |");
        }
    }

    private static double Rate(JsonElement results, string scenario) => Get(results, scenario, "msgsPerSec");

    private static double Get(JsonElement results, string scenario, string field) =>
        results.TryGetProperty(scenario, out var s) && s.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : double.NaN;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Slim.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Slim.slnx not found above the program folder.");
    }

    private sealed record Settings(int Rounds, int Seconds, int P2pMessages, int FanoutMessages, int Pings, int Size)
    {
        public static Settings? Parse(string[] args)
        {
            var settings = new Settings(2, 10, 20_000, 5_000, 2_000, 1024);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
                {
                    return null;
                }

                settings = args[i] switch
                {
                    "--rounds" => settings with { Rounds = value },
                    "--seconds" => settings with { Seconds = value },
                    "--p2p-messages" => settings with { P2pMessages = value },
                    "--fanout-messages" => settings with { FanoutMessages = value },
                    "--pings" => settings with { Pings = value },
                    "--size" => settings with { Size = value },
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
