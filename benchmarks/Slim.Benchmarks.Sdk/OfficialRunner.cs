using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Slim.Testing.Interop;

namespace Slim.Benchmarks.Sdk;

/// <summary>The four results of one side.</summary>
internal sealed record Results(Throughput P2pReliable, Throughput P2pUnreliable, Latency RequestReply, Throughput FanOut);

/// <summary>
/// Runs official/bench.mjs with Node.js (the official node and SDK) and reads its results. The npm package is the
/// interop harness's (<c>tests/interop</c>), checked and installed on demand by <see cref="OfficialSlim"/> as for the
/// interop tests. The process is bounded in time and killed by its PID if it overruns.
/// </summary>
internal static class OfficialRunner
{
    public static async Task<Results> RunAsync(Settings settings)
    {
        var folder = FindOfficialFolder();
        Console.Error.WriteLine($"[official] checking Node.js and {OfficialSlim.PackageName} (installed in tests/interop when missing)");
        var environment = await OfficialSlim.GetAsync();
        var node = environment.NodeExecutable;
        var bound = TimeSpan.FromSeconds((settings.Seconds * 6) + 120);
        var (exit, output) = await RunProcessAsync(node, ["bench.mjs", .. settings.ToOfficialArguments()], folder, bound, echoErrors: true);
        if (exit != 0)
        {
            throw new InvalidOperationException($"official/bench.mjs exited with code {exit}.");
        }

        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'))
            ?? throw new InvalidOperationException("official/bench.mjs printed no result.");
        using var json = JsonDocument.Parse(line);
        var results = json.RootElement.GetProperty("results");
        return new Results(
            ReadThroughput(results.GetProperty("p2pReliable")),
            ReadThroughput(results.GetProperty("p2pUnreliable")),
            new Latency(
                results.GetProperty("requestReply").GetProperty("count").GetInt32(),
                results.GetProperty("requestReply").GetProperty("p50").GetDouble(),
                results.GetProperty("requestReply").GetProperty("p99").GetDouble()),
            ReadThroughput(results.GetProperty("fanOut")));
    }

    private static Throughput ReadThroughput(JsonElement e) =>
        new(e.GetProperty("sent").GetInt64(), e.GetProperty("received").GetInt64(), e.GetProperty("seconds").GetDouble(), e.GetProperty("cpuSeconds").GetDouble());

    private static string FindOfficialFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "benchmarks", "Slim.Benchmarks.Sdk", "official");
            if (File.Exists(Path.Combine(candidate, "bench.mjs")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"benchmarks/Slim.Benchmarks.Sdk/official/bench.mjs not found above {AppContext.BaseDirectory}.");
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan bound, bool echoErrors)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && echoErrors)
            {
                Console.Error.WriteLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {bound.TotalSeconds:0} s and was stopped.");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
