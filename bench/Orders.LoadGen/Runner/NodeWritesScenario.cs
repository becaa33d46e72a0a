using System.Diagnostics;
using Orders.LoadGen.Client;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Ours only (issue 27, <c>nodes-writes</c>): the most order changes a second one node and then two nodes of the service
/// commit, outbox rows and delivery included, on one throwaway PostgreSQL. Closed loop: <see cref="BenchSettings.NodeWriters"/>
/// users each change their own order one request after another (no client waits on a timer, so the service sets the
/// pace), for a warm-up and then the measured phase; changes/s is answered changes in the measured phase. One node:
/// every client and every write on it (the server's core). Two nodes: the second on the generator's core (where
/// PostgreSQL and this generator also run, so it competes with them as a node on a shared machine would), half the
/// clients on each, every write sent to the node its owner's client is not on. Either way every answered change must
/// reach its owner's client once, in order; the nodes share one database, whose advisory lock serialises every
/// event-writing commit, hence the goal: two nodes keep at least 0.8 x one node's writes.
/// </summary>
internal sealed class NodeWritesScenario(BenchSettings settings)
{
    private static readonly TimeSpan DrainStall = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainCap = TimeSpan.FromSeconds(60);

    public async Task RunAsync(int port, RunResult r)
    {
        await using var pg = await LocalPostgres.StartAsync(settings.Root).ConfigureAwait(false);
        await using var first = await OrdersApiProcess.StartAsync(settings, port, pg.Url).ConfigureAwait(false);
        var users = settings.NodeWriters;
        var tokens = Enumerable.Range(0, users).Select(i => first.Token($"bench-user-{i}")).ToArray();
        var orders = await Task.WhenAll(tokens.Select(first.CreateOrderAsync)).ConfigureAwait(false);

        await RoundAsync("one_node", [first], pg, tokens, orders, r).ConfigureAwait(false);
        if (r.Problems.Count > 0) return;

        await using var second = await OrdersApiProcess
            .StartAsync(settings, OrdersScenario.FreePort(), pg.Url, first.Secret, settings.GeneratorCore).ConfigureAwait(false);
        await RoundAsync("two_nodes", [first, second], pg, tokens, orders, r).ConfigureAwait(false);
        if (r.Metrics.TryGetValue("one_node_changes_per_s", out var one) && r.Metrics.TryGetValue("two_nodes_changes_per_s", out var two))
        {
            r.Metrics["two_over_one"] = two / one;
        }

        foreach (var node in new[] { first, second }.Where(n => n.HasExited)) r.Problems.Add($"Orders.Api on port {node.Port} exited:\n{node.RecentOutput}");
    }

    private async Task RoundAsync(string name, OrdersApiProcess[] nodes, LocalPostgres pg, string[] tokens, string[] orders, RunResult r)
    {
        var freq = Stopwatch.Frequency;
        var seconds = settings.NodeWarmupSeconds + settings.MeasureSeconds;
        // Room for 5,000 changes a second, more than this machine commits; a run that outgrows it stops its writers.
        var ledger = new OrderChangeLedger(orders, (int)(5_000 * seconds) + orders.Length);
        var state = new WorkerState(_ => { }) { OrderUpdates = ledger.OnArrived };
        using var clients = new EventLoop(state);
        var half = nodes.Length == 1 ? tokens.Length : tokens.Length / 2;
        await OrdersScenario.ConnectAsync(clients, nodes[0].Port, tokens[..half], r).ConfigureAwait(false);
        if (nodes.Length > 1) await OrdersScenario.ConnectAsync(clients, nodes[^1].Port, tokens[half..], r).ConfigureAwait(false);
        if (r.Problems.Count > 0) return;

        var t0 = Stopwatch.GetTimestamp();
        var measureFrom = t0 + (long)(settings.NodeWarmupSeconds * freq);
        var end = measureFrom + (long)(settings.MeasureSeconds * freq);
        long next = -1;
        CpuSample? cpuA = null;
        var writers = Enumerable.Range(0, tokens.Length).Select(async user =>
        {
            var http = (user < half ? nodes[^1] : nodes[0]).Http;
            while (Stopwatch.GetTimestamp() < end)
            {
                var seq = Interlocked.Increment(ref next);
                if (seq >= ledger.Capacity) return;
                if (cpuA is null && Stopwatch.GetTimestamp() >= measureFrom) cpuA = CpuSample.Take(nodes, pg);
                await OrdersScenario.PatchAsync(http, tokens[user], orders[user], user, seq, ledger, static () => { }).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(writers).ConfigureAwait(false);
        var cpu = cpuA is { } a ? CpuSample.Take(nodes, pg).Since(a) : default;
        var drain = await ledger.WaitForEventsAsync(DrainStall, DrainCap).ConfigureAwait(false);

        long answered = 0;
        var http99 = new List<double>();
        foreach (var (sent, answer, _) in ledger.Delivered())
        {
            if (answer < measureFrom || answer >= end) continue;
            answered++;
            http99.Add((answer - sent) * 1000.0 / freq);
        }

        r.Check(ledger.FailureCount == 0, $"{name}: {ledger.FailureCount} PATCH requests failed, first: {ledger.FirstFailure}");
        r.Check(ledger.Missing() == 0, $"{name}: {ledger.Missing()} of {ledger.AnsweredCount} answered changes never delivered their order:updated (waited {drain.TotalSeconds:F1} s)");
        r.Check(ledger.Duplicates == 0 && ledger.Unexpected() == 0, $"{name}: {ledger.Duplicates} events twice, {ledger.Unexpected()} for changes never made");
        r.Check(ledger.OffsetNotAfterPrevious == 0, $"{name}: {ledger.OffsetNotAfterPrevious} events' offsets were not above the previous one of their order");
        r.Check(Interlocked.Read(ref state.Closed) == 0, $"{name}: {state.Closed} clients were disconnected");
        r.Check(answered > 0, $"{name}: no change answered in the measured phase");
        if (answered == 0) return;
        r.Metrics[$"{name}_changes_per_s"] = answered / settings.MeasureSeconds;
        r.Metrics[$"{name}_http_p99_ms"] = Scenarios.Percentile(http99, 0.99);
        r.Metrics[$"{name}_api_cpu_us_per_change"] = cpu.Api.TotalMicroseconds / answered;
        r.Metrics[$"{name}_pg_cpu_us_per_change"] = cpu.Postgres.TotalMicroseconds / answered;
    }
}
