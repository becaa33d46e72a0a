using System.Globalization;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Knobs of a benchmark run. The defaults are issue 5's method (10 s warm-up, 10 s measured, 5k and 19k clients,
/// 4,000 in flight, 2,000 events/s, 300 order owners and 1,000 order changes/s, two repetitions; issue 26's few thousand
/// commits of each kind and 1,000 missed events); <c>--smoke</c> shrinks every one so the run takes seconds.
/// </summary>
internal sealed class BenchSettings
{
    public bool Smoke { get; set; }
    public string Root { get; set; } = ".";
    public string Config { get; set; } = "Release";
    public string[] Servers { get; set; } = ["ours", "node"];
    public string[] Scenarios { get; set; } = ["memory", "storm", "fanout", "broadcast", "floor", "latency", "orders", "outbox", "recovery", "nodes", "nodes-writes", "nodes-sockets", "slow-reader"];
    public int Repetitions { get; set; } = 2;
    public double WarmupSeconds { get; set; } = 10;
    public double MeasureSeconds { get; set; } = 10;
    public int Clients { get; set; } = 5_000;
    public int MemoryLow { get; set; } = 5_000;
    public int MaxClients { get; set; } = 19_000;
    public int StormInFlight { get; set; } = 4_000;
    /// <summary>
    /// The memory scenario's hold through a heartbeat: its server pings every <see cref="HoldPingIntervalMs"/>, so a
    /// hold a little longer than that sees every socket pinged and answered. With the 25 s default interval the hold
    /// took 27 s per server, and on a slow host the whole run then went past its ten minutes (611 s).
    /// </summary>
    public double HoldSeconds { get; set; } = 12;

    /// <summary>The memory scenario's ping interval (both servers); 0 keeps <see cref="PingIntervalMs"/>.</summary>
    public int HoldPingIntervalMs { get; set; } = 10_000;
    public int LatencyRate { get; set; } = 2_000;
    public int TtlBroadcasts { get; set; } = 100;

    /// <summary>
    /// Issue 27's <c>nodes-writes</c>: users each changing their own order one request after another (enough to keep a
    /// node's core busy), and the warm-up of each round (the second node starts cold).
    /// </summary>
    public int NodeWriters { get; set; } = 64;

    /// <summary>Issue 28's <c>slow-reader</c>: the clients that keep reading beside the one that stops.</summary>
    public int SlowReaderClients { get; set; } = 2_000;
    public double NodeWarmupSeconds { get; set; } = 15;

    /// <summary>The orders scenario: users (one order and one client each) and PATCHes per second.</summary>
    public int OrdersUsers { get; set; } = 300;
    public int OrdersRate { get; set; } = 1_000;

    /// <summary>
    /// The orders scenario's warm-up. The API's hot paths (ASP.NET Core, EF Core, Npgsql) are far more code than a socket
    /// server's, and its one core is 60-90% busy, so tiered compilation was still running 20-28 s after start (profile);
    /// with 10 s the measured phase timed the JIT (CPU per change 650-960 us) rather than the service (555-575 us).
    /// </summary>
    public double OrdersWarmupSeconds { get; set; } = 30;

    /// <summary>
    /// The outbox scenario: order changes committed and timed per way of committing (after a tenth as many untimed),
    /// in blocks of a twelfth, and PATCHes timed one at a time (after half as many untimed).
    /// </summary>
    public int OutboxCommits { get; set; } = 3_000;
    public int OutboxPatches { get; set; } = 500;

    /// <summary>The recovery scenario: events a disconnected socket misses, and timed reconnections (after an untimed one with a tenth as many).</summary>
    public int RecoveryEvents { get; set; } = 1_000;
    public int RecoveryRounds { get; set; } = 3;

    public int ClientsPerWorker { get; set; } = 5_000;
    public int PingIntervalMs { get; set; }
    public int PingTimeoutMs { get; set; }

    /// <summary>The ping interval a scenario's server is started with; 0 leaves the server's default.</summary>
    public int PingIntervalMsFor(string scenario) => scenario == "memory" && HoldPingIntervalMs > 0 ? HoldPingIntervalMs : PingIntervalMs;
    public int BasePort { get; set; } = 3200;
    public string ServerCore { get; set; } = "0";
    public string GeneratorCore { get; set; } = "1";
    public string Gc { get; set; } = "workstation";
    public string ResultsDir { get; set; } = "bench/results";

    /// <summary>Ours only: a folder for one garbage-collection log per scenario and repetition (the server's <c>--gc-log</c>).</summary>
    public string? GcLogDir { get; set; }

    /// <summary>Extra environment for the server processes (<c>--server-env NAME=VALUE</c>, repeatable), for experiments.</summary>
    public List<string> ServerEnvironment { get; } = [];

    /// <summary>Events per POST in the throughput scenarios, and POSTs kept in flight.</summary>
    public int BatchSize { get; set; } = 50;
    public int PostsInFlight { get; set; } = 8;

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        if (args.Contains("--smoke")) s.ApplySmoke();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--smoke") continue;
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value");
            var v = args[++i];
            switch (name)
            {
                case "--root": s.Root = v; break;
                case "--config": s.Config = v; break;
                case "--servers": s.Servers = v.Split(','); break;
                case "--scenarios": s.Scenarios = v.Split(','); break;
                case "--reps": s.Repetitions = Int(v); break;
                case "--warmup": s.WarmupSeconds = Dbl(v); break;
                case "--measure": s.MeasureSeconds = Dbl(v); break;
                case "--clients": s.Clients = Int(v); break;
                case "--memory-low": s.MemoryLow = Int(v); break;
                case "--max-clients": s.MaxClients = Int(v); break;
                case "--storm-in-flight": s.StormInFlight = Int(v); break;
                case "--hold": s.HoldSeconds = Dbl(v); break;
                case "--hold-ping-interval-ms": s.HoldPingIntervalMs = Int(v); break;
                case "--latency-rate": s.LatencyRate = Int(v); break;
                case "--ttl-broadcasts": s.TtlBroadcasts = Int(v); break;
                case "--orders-users": s.OrdersUsers = Int(v); break;
                case "--node-writers": s.NodeWriters = Int(v); break;
                case "--slow-reader-clients": s.SlowReaderClients = Int(v); break;
                case "--node-warmup": s.NodeWarmupSeconds = Dbl(v); break;
                case "--orders-rate": s.OrdersRate = Int(v); break;
                case "--orders-warmup": s.OrdersWarmupSeconds = Dbl(v); break;
                case "--outbox-commits": s.OutboxCommits = Int(v); break;
                case "--outbox-patches": s.OutboxPatches = Int(v); break;
                case "--recovery-events": s.RecoveryEvents = Int(v); break;
                case "--recovery-rounds": s.RecoveryRounds = Int(v); break;
                case "--clients-per-worker": s.ClientsPerWorker = Int(v); break;
                case "--ping-interval-ms": s.PingIntervalMs = Int(v); break;
                case "--ping-timeout-ms": s.PingTimeoutMs = Int(v); break;
                case "--port": s.BasePort = Int(v); break;
                case "--server-core": s.ServerCore = v; break;
                case "--generator-core": s.GeneratorCore = v; break;
                case "--gc": s.Gc = v is "server" or "workstation" ? v : throw new ArgumentException("--gc server|workstation"); break;
                case "--results": s.ResultsDir = v; break;
                case "--gc-log": s.GcLogDir = v; break;
                case "--server-env": s.ServerEnvironment.Add(v.Contains('=', StringComparison.Ordinal) ? v : throw new ArgumentException("--server-env NAME=VALUE")); break;
                case "--batch": s.BatchSize = Int(v); break;
                case "--posts-in-flight": s.PostsInFlight = Int(v); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        if (s.MemoryLow >= s.MaxClients) throw new ArgumentException("--memory-low must be below --max-clients");
        if (s.OutboxCommits < 12 || s.OutboxPatches < 2) throw new ArgumentException("--outbox-commits must be at least 12 and --outbox-patches at least 2");
        if (s.RecoveryEvents < 10 || s.RecoveryRounds < 1) throw new ArgumentException("--recovery-events must be at least 10 and --recovery-rounds at least 1");
        return s;
    }

    /// <summary>A few hundred clients and ~1 s phases: proves every scenario still works end to end, measures nothing.</summary>
    private void ApplySmoke()
    {
        Smoke = true;
        Repetitions = 1;
        WarmupSeconds = 1;
        MeasureSeconds = 1;
        Clients = 300;
        MemoryLow = 100;
        MaxClients = 400;
        StormInFlight = 100;
        HoldSeconds = 1.5;
        HoldPingIntervalMs = 0;
        LatencyRate = 500;
        TtlBroadcasts = 10;
        OrdersUsers = 50;
        OrdersRate = 100;
        NodeWriters = 8;
        SlowReaderClients = 200;
        NodeWarmupSeconds = 3;
        // The JIT is front-loaded (DOTNET_TC_CallCountingDelayMs=0): after 1 s, most changes of the measured second
        // were still skipped behind a cold API, and once none got through (no samples, a broken run).
        OrdersWarmupSeconds = 4;
        OutboxCommits = 120;
        OutboxPatches = 40;
        RecoveryEvents = 100;
        RecoveryRounds = 1;
        ClientsPerWorker = 200;
        PingIntervalMs = 500;
        PingTimeoutMs = 2_000;
        BatchSize = 20;
    }

    private static int Int(string v) => int.Parse(v, CultureInfo.InvariantCulture);

    private static double Dbl(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
