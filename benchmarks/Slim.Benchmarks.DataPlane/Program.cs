using BenchmarkDotNet.Running;
using Slim.Benchmarks.DataPlane;

// dotnet run -c Release -- --filter '*'        BenchmarkDotNet micro-benchmarks
// dotnet run -c Release -- -throughput          end-to-end relay throughput through one processor
if (args.Contains("-throughput"))
{
    using var sampler = args.Contains("-alloc") ? new AllocationSampler() : null;
    var seconds = args.SkipWhile(a => a != "-throughput").Skip(1).Select(a => int.TryParse(a, out var s) ? s : 0).FirstOrDefault();
    await Throughput.RunAsync(TimeSpan.FromSeconds(seconds > 0 ? seconds : 3));
    foreach (var (type, samples) in sampler?.Top(15) ?? [])
    {
        Console.WriteLine($"  {samples,6} allocation samples: {type}");
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
