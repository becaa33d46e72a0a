using System.Diagnostics;

namespace Orders.LoadGen.Runner;

/// <summary>The scenarios of issue 5, each against a fresh server process. Scenario 6 (order commit-to-client) is not here yet: see <see cref="BenchRunner"/>.</summary>
internal sealed class Scenarios(BenchSettings settings)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The pause after each timed broadcast reached its last recipient, before the next.</summary>
    internal static readonly TimeSpan TtlPause = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Single broadcasts made and waited for before the timed ones, untimed: the method's warm-up with the same load.
    /// The throughput phase before them is another load, and the first single broadcast after it was 15-25% slower
    /// for both servers, often the second-worst of 100 and so the p99 by itself.
    /// </summary>
    internal const int TtlWarmupBroadcasts = 20;

    public Task RunAsync(string scenario, ServerProcess server, WorkerPool pool, RunResult result) => scenario switch
    {
        "memory" => MemoryAsync(server, pool, result),
        "storm" => StormAsync(server, pool, result),
        "fanout" => ThroughputAsync(server, pool, result, "emit", settings.BatchSize),
        "broadcast" => BroadcastAsync(server, pool, result),
        "latency" => LatencyAsync(server, pool, result),
        "slow-reader" => new SlowReaderScenario(settings).RunAsync(server, pool, result),
        _ => throw new ArgumentException($"unknown scenario {scenario}"),
    };

    /// <summary>1. Marginal RSS per idle socket from MemoryLow to MaxClients, then every socket held through heartbeats.</summary>
    private async Task MemoryAsync(ServerProcess server, WorkerPool pool, RunResult r)
    {
        await ConnectAsync(pool, settings.MemoryLow, r).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var low = await server.StatsAsync(collect: true).ConfigureAwait(false);
        await ConnectAsync(pool, settings.MaxClients - settings.MemoryLow, r).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var high = await server.StatsAsync(collect: true).ConfigureAwait(false);
        r.Check(low.Sockets == settings.MemoryLow && high.Sockets == settings.MaxClients, $"server counted {low.Sockets} then {high.Sockets} sockets");
        r.Metrics["bytes_per_idle_socket"] = (double)(high.Rss - low.Rss) / Math.Max(1, high.Sockets - low.Sockets);
        r.Metrics["heap_bytes_per_idle_socket"] = (double)(high.Heap - low.Heap) / Math.Max(1, high.Sockets - low.Sockets);
        r.Metrics["rss_mib_at_max"] = high.Rss / 1048576.0;

        // Holding through a heartbeat is a property, not a figure: once per server is enough to prove it and
        // keeps the whole run within its ten minutes.
        if (r.Repetition > 1) return;
        var before = await pool.StatsAsync().ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds)).ConfigureAwait(false);
        var after = await pool.StatsAsync().ConfigureAwait(false);
        var heldSockets = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Sockets;
        r.Metrics["sockets_held"] = Math.Min(after.Held, heldSockets);
        var pings = after.Pings - before.Pings;
        r.Metrics["pings_per_socket_in_hold"] = (double)pings / settings.MaxClients;
        r.Check(after.Held == settings.MaxClients && heldSockets == settings.MaxClients, $"held {after.Held} clients / server {heldSockets} of {settings.MaxClients}");
        r.Check(pings >= settings.MaxClients, $"{pings} pings in the hold for {settings.MaxClients} sockets: the hold ended before a heartbeat (--hold below the ping interval)");
    }

    /// <summary>
    /// 2. MaxClients open, CONNECT and join with StormInFlight in flight, after a warm-up storm of the same size from
    /// the same workers whose clients are then closed: the method's warm-up with the same load. The warm-up's own rate
    /// is the cold figure.
    /// </summary>
    private async Task StormAsync(ServerProcess server, WorkerPool pool, RunResult r)
    {
        // The same workers open both storms: the measured one then finds the generator's code compiled and tiered
        // up too (in fresh worker processes the JIT's tiering took ~13% of the generator's core during the storm).
        var cold = await ConnectAsync(pool, settings.MaxClients, r).ConfigureAwait(false);
        r.Metrics["cold_connects_per_s"] = cold.Joined / cold.Elapsed.TotalSeconds;
        await pool.CloseAllAsync().ConfigureAwait(false);
        await WaitForSocketsAsync(server, 0, r).ConfigureAwait(false);
        var gcBefore = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Gc;
        var (cpu0, gen0, core0, genCore0) = (server.CpuTime(), pool.CpuTime(), CoreTimes.Read(settings.ServerCore), CoreTimes.Read(settings.GeneratorCore));
        var result = await ConnectAsync(pool, settings.MaxClients, r).ConfigureAwait(false);
        var (cpu, gen, core, genCore) = (server.CpuTime() - cpu0, pool.CpuTime() - gen0, CoreTimes.Read(settings.ServerCore), CoreTimes.Read(settings.GeneratorCore));
        var joined = Math.Max(1, result.Joined);
        r.Metrics["storm_seconds"] = result.Elapsed.TotalSeconds;
        r.Metrics["connects_per_s"] = result.Joined / result.Elapsed.TotalSeconds;
        r.Metrics["server_cpu_us_per_connect"] = cpu.TotalMicroseconds / joined;
        SetCpu(r, cpu / result.Elapsed, gen / result.Elapsed, core0, core);

        // What the generator's own core can open: on loopback the client side pays for most of the TCP handshake
        // (both ends' SYN and ACK processing run in the sender's context), so its cost per connect, read from the
        // core (softirq included) rather than the processes, caps the rate any server can be shown at here.
        if (genCore0 is { } g0 && genCore is { } g1 && g1.Since(g0).Busy is var genBusy and > 0)
        {
            var genMicroseconds = genBusy * result.Elapsed.TotalMicroseconds / joined;
            r.Metrics["generator_core_us_per_connect"] = genMicroseconds;
            r.Metrics["generator_ceiling_connects_per_s"] = 1e6 / genMicroseconds;
        }

        // Ours only: how much of a connect is the runtime's memory work (allocation, collections, their pauses).
        if (await RecordCollectionsSinceAsync(server, gcBefore, r).ConfigureAwait(false) is { } gc)
        {
            r.Metrics["server_alloc_bytes_per_connect"] = (double)gc.Allocated / joined;
            r.Metrics["server_gc_pause_us_per_connect"] = gc.PauseMs * 1000 / joined;
        }
    }

    /// <summary>3 (and the first half of 4). Closed-loop deliveries/s: warm up, then measure.</summary>
    private async Task<EventLoad> ThroughputAsync(ServerProcess server, WorkerPool pool, RunResult r, string path, int batch)
    {
        await ConnectAsync(pool, settings.Clients, r).ConfigureAwait(false);
        await CheckRefusalAsync(pool, r).ConfigureAwait(false);
        var load = new EventLoad(server);
        long delivered = 0;
        using var stop = new CancellationTokenSource();
        var poller = PollAsync(pool, d => Volatile.Write(ref delivered, d), stop.Token);
        var maxBacklog = Math.Max(20_000, 4L * settings.Clients);
        var inFlight = path == "broadcast" ? 2 : settings.PostsInFlight;
        var running = load.RunClosedLoopAsync(path, settings.Clients, batch, inFlight, () => Volatile.Read(ref delivered), maxBacklog, stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds)).ConfigureAwait(false);
        var gcBefore = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Gc;
        var (a, cpuA, genA, tA) = (await pool.StatsAsync().ConfigureAwait(false), server.CpuTime(), pool.CpuTime(), Stopwatch.GetTimestamp());
        var coreA = CoreTimes.Read(settings.ServerCore);
        await Task.Delay(TimeSpan.FromSeconds(settings.MeasureSeconds)).ConfigureAwait(false);
        var (b, cpuB, genB, tB) = (await pool.StatsAsync().ConfigureAwait(false), server.CpuTime(), pool.CpuTime(), Stopwatch.GetTimestamp());
        var coreB = CoreTimes.Read(settings.ServerCore);
        var gc = await RecordCollectionsSinceAsync(server, gcBefore, r).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        await poller.ConfigureAwait(false);

        var wall = Stopwatch.GetElapsedTime(tA, tB);
        var deliveries = Math.Max(1, b.Delivered - a.Delivered);
        r.Metrics["deliveries_per_s"] = deliveries / wall.TotalSeconds;
        // CPU per delivery holds up on a busy machine where the rate does not: it is the efficiency figure.
        r.Metrics["server_cpu_us_per_delivery"] = (cpuB - cpuA).TotalMicroseconds / deliveries;
        r.Metrics["generator_cpu_us_per_delivery"] = (genB - genA).TotalMicroseconds / deliveries;

        // Ours only: the runtime's memory work per delivery, steadier than the rate on a shared host, so a change that
        // saves allocations shows here even when its effect on the rate is inside the host's noise.
        if (gc is { } memory)
        {
            r.Metrics["server_alloc_bytes_per_delivery"] = (double)memory.Allocated / deliveries;
            r.Metrics["server_gc_pause_us_per_delivery"] = memory.PauseMs * 1000 / deliveries;
        }

        SetCpu(r, (cpuB - cpuA) / wall, (genB - genA) / wall, coreA, coreB);
        await CheckDeliveredAsync(pool, load, r).ConfigureAwait(false);
        return load;
    }

    /// <summary>4. Broadcast to every client: closed-loop deliveries/s, then one broadcast at a time to its last recipient.</summary>
    private async Task BroadcastAsync(ServerProcess server, WorkerPool pool, RunResult r)
    {
        var load = await ThroughputAsync(server, pool, r, "broadcast", 1).ConfigureAwait(false);
        await pool.SetModeAsync("ttl").ConfigureAwait(false);
        var times = new List<double>();
        for (var seq = 0; seq < TtlWarmupBroadcasts + settings.TtlBroadcasts; seq++)
        {
            var wait = pool.WaitBroadcastAsync(seq, TimeSpan.FromSeconds(10));
            await load.PostAsync("broadcast", [0], seq).ConfigureAwait(false);
            if (await wait.ConfigureAwait(false) is not { } us) r.Problems.Add($"broadcast {seq} did not reach every client within 10 s");
            else if (seq >= TtlWarmupBroadcasts) times.Add(us / 1000.0);
            await Task.Delay(TtlPause).ConfigureAwait(false);
        }

        await pool.SetModeAsync("none").ConfigureAwait(false);
        if (times.Count == 0) return;
        RecordLastRecipientTimes(r, times);
        await CheckDeliveredAsync(pool, load, r).ConfigureAwait(false);
    }

    /// <summary>5. Event latency to user rooms at a fixed rate.</summary>
    private async Task LatencyAsync(ServerProcess server, WorkerPool pool, RunResult r)
    {
        await ConnectAsync(pool, settings.Clients, r).ConfigureAwait(false);
        var load = new EventLoad(server);
        using var stop = new CancellationTokenSource();
        var running = load.RunFixedRateAsync(settings.Clients, settings.LatencyRate, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds)).ConfigureAwait(false);
        var gcBefore = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Gc;
        await pool.SetModeAsync("latency").ConfigureAwait(false);
        var cpuA = server.CpuTime();
        var tA = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(settings.MeasureSeconds)).ConfigureAwait(false);
        await pool.SetModeAsync("none").ConfigureAwait(false);
        r.ServerCpu = (server.CpuTime() - cpuA) / Stopwatch.GetElapsedTime(tA);

        // Ours only: the collections in the measured window, which is where a p99.9 above a few ms comes from.
        if (await RecordCollectionsSinceAsync(server, gcBefore, r).ConfigureAwait(false) is { } gc) r.Metrics["server_gc_pause_ms"] = gc.PauseMs;
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);

        var samples = (await pool.TakeSamplesAsync().ConfigureAwait(false)).Select(us => us / 1000.0).ToList();
        r.Check(samples.Count > 0, "no latency samples");
        if (samples.Count > 0)
        {
            r.Metrics["p50_ms"] = Percentile(samples, 0.50);
            r.Metrics["p99_ms"] = Percentile(samples, 0.99);
            r.Metrics["p999_ms"] = Percentile(samples, 0.999);
        }

        await CheckDeliveredAsync(pool, load, r).ConfigureAwait(false);
    }

    /// <summary>
    /// Ours only (Node's reference reports no collections): the server's memory work since <paramref name="before"/>,
    /// with the collection counts recorded in <paramref name="r"/>; null for Node.
    /// </summary>
    private static async Task<ServerGcStats?> RecordCollectionsSinceAsync(ServerProcess server, ServerGcStats? before, RunResult r)
    {
        if (before is not { } start || (await server.StatsAsync(collect: false).ConfigureAwait(false)).Gc is not { } end) return null;
        var gc = end.Since(start);
        r.Metrics["server_gcs"] = gc.Gen0;
        r.Metrics["server_gen1_gcs"] = gc.Gen1;
        r.Metrics["server_gen2_gcs"] = gc.Gen2;
        return gc;
    }

    private async Task<ConnectResult> ConnectAsync(WorkerPool pool, int count, RunResult r)
    {
        var result = await pool.ConnectAsync(count, settings.StormInFlight, ConnectTimeout).ConfigureAwait(false);
        r.Check(result.Joined == count, $"{result.Joined} of {count} clients joined ({result.Rejected} refused, {result.Failed} failed)");
        return result;
    }

    /// <summary>Waits until the server counts <paramref name="sockets"/> (its clients' closes take a moment to reach it).</summary>
    private static async Task WaitForSocketsAsync(ServerProcess server, int sockets, RunResult r)
    {
        var stats = await ReadUntilAsync(() => server.StatsAsync(collect: false), s => s.Sockets == sockets, TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        r.Check(stats.Sockets == sockets, $"server still counted {stats.Sockets} sockets, {sockets} expected");
    }

    /// <summary>The contract: a token other than <c>u&lt;N&gt;</c> is refused with connect_error.</summary>
    private static async Task CheckRefusalAsync(WorkerPool pool, RunResult r)
    {
        var refused = await pool.ConnectAsync(1, 1, ConnectTimeout, tokenPrefix: "bad").ConfigureAwait(false);
        r.Check(refused.Rejected == 1, "a bad token was not refused with connect_error");
    }

    /// <summary>Every event the server handed out arrived: delivered equals expected.</summary>
    private static async Task CheckDeliveredAsync(WorkerPool pool, EventLoad load, RunResult r)
    {
        var expected = load.Handed;
        var stats = await ReadUntilAsync(pool.StatsAsync, s => s.Delivered >= expected, TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        r.Check(stats.Delivered == expected, $"delivered {stats.Delivered} of {expected} expected");
        r.Check(stats.Closed == 0, $"{stats.Closed} clients were disconnected");
    }

    /// <summary>Reads every <paramref name="every"/> until <paramref name="done"/> or <see cref="DrainTimeout"/>; returns the last reading.</summary>
    private static async Task<T> ReadUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan every)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var value = await read().ConfigureAwait(false);
            if (done(value) || Stopwatch.GetTimestamp() >= deadline) return value;
            await Task.Delay(every).ConfigureAwait(false);
        }
    }

    private static async Task PollAsync(WorkerPool pool, Action<long> update, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            update((await pool.StatsAsync().ConfigureAwait(false)).Delivered);
            try
            {
                await Task.Delay(20, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The server's and generator's shares, and how busy the server's core was from <paramref name="coreA"/> to <paramref name="coreB"/>.</summary>
    private static void SetCpu(RunResult r, double cpu, double generator, CoreTimes? coreA, CoreTimes? coreB)
    {
        r.ServerCpu = cpu;
        r.GeneratorCpu = generator;
        if (coreA is { } a && coreB is { } b) (r.ServerCoreBusy, r.ServerCoreSoftIrq) = b.Since(a);

        // The core's counters cover the whole call around a storm (its window is wider than the storm's own
        // clock), so a process busier than its core means the core's share is diluted: the larger one counts.
        r.GeneratorBound = Math.Max(r.ServerCoreBusy ?? 0, cpu) < 0.95;
    }

    /// <summary>The times of single broadcasts to their last recipient (ms): p50, p99 and every sample, as the broadcast and the floor report them.</summary>
    internal static void RecordLastRecipientTimes(RunResult r, List<double> times)
    {
        r.Metrics["last_recipient_p50_ms"] = Percentile(times, 0.50);
        r.Metrics["last_recipient_p99_ms"] = Percentile(times, 0.99);
        r.Samples["last_recipient_ms"] = [.. times];
    }

    internal static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
