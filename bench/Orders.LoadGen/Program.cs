using Orders.LoadGen.Client;
using Orders.LoadGen.Runner;

// Orders.LoadGen worker          one generator process, driven over stdin by the runner
// Orders.LoadGen bench [options] the whole benchmark: servers, workers, scenarios, table and JSON
return args.FirstOrDefault() switch
{
    "worker" => await Worker.RunAsync(),
    "bench" => await BenchRunner.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Orders.LoadGen bench [--smoke] [options]   (see README, Benchmarks) | Orders.LoadGen worker");
    return 2;
}
