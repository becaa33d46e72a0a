using BenchmarkDotNet.Running;

// make bench-micro: every benchmark with the short job; pass BenchmarkDotNet options through ARGS.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
