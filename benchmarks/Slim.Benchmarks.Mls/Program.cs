using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Slim.Benchmarks.Mls -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Slim.Benchmarks.Mls.HpkeBenchmarks).Assembly).Run(args);
