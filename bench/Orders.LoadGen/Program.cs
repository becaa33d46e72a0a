using Orders.LoadGen.Client;
using Orders.LoadGen.Commit;
using Orders.LoadGen.Floor;
using Orders.LoadGen.Runner;

// Orders.LoadGen worker          one generator process, driven over stdin by the runner
// Orders.LoadGen bench [options] the whole benchmark: servers, workers, scenarios, table and JSON
// Orders.LoadGen floor-sender    the broadcast floor's sender, driven over stdin by the runner
// Orders.LoadGen commit-timer    the outbox scenario's commit times at the database (see Commit/CommitTimer.cs)
return args.FirstOrDefault() switch
{
    "worker" => await Worker.RunAsync(),
    "floor-sender" => await FloorSender.RunAsync(args[1..]),
    "commit-timer" => await CommitTimer.RunAsync(args[1..]),
    "bench" => await BenchRunner.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Orders.LoadGen bench [--smoke] [options]   (see README, Benchmarks) | Orders.LoadGen worker");
    return 2;
}
