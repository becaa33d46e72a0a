using System.Diagnostics;
using System.Globalization;
using Orders.LoadGen.Client;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Ours only (issue 27, <c>nodes-sockets</c>): two nodes of the orders service on one throwaway PostgreSQL, each its own
/// process on its own core, hold <see cref="BenchSettings.MaxClients"/> sockets each at once (signed tokens, the
/// handshake's check, the rooms and the recovery sessions included), through heartbeats: the clients of one
/// machine's worth of the memory scenario, twice. Each node's clients come from worker processes of their own (each
/// under the 20,000 open files of a process, on source addresses of their own), pinned to the generator's core.
/// </summary>
internal sealed class NodeSocketsScenario(BenchSettings settings)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(180);

    public async Task RunAsync(int port, RunResult r)
    {
        await using var pg = await LocalPostgres.StartAsync(settings.Root).ConfigureAwait(false);
        var heartbeat = Heartbeat();
        await using var first = await OrdersApiProcess.StartAsync(settings, port, pg.Url, extra: heartbeat).ConfigureAwait(false);
        await using var second = await OrdersApiProcess
            .StartAsync(settings, OrdersScenario.FreePort(), pg.Url, first.Secret, settings.GeneratorCore, heartbeat).ConfigureAwait(false);
        OrdersApiProcess[] nodes = [first, second];
        await using var poolA = new WorkerPool(settings, first.Port);
        await using var poolB = new WorkerPool(settings, second.Port, firstWorker: 100, firstUser: settings.MaxClients);
        WorkerPool[] pools = [poolA, poolB];
        try
        {
            await HoldAsync(nodes, pools, r).ConfigureAwait(false);
        }
        finally
        {
            foreach (var node in nodes.Where(n => n.HasExited)) r.Problems.Add($"Orders.Api on port {node.Port} exited:\n{node.RecentOutput}");
        }
    }

    private async Task HoldAsync(OrdersApiProcess[] nodes, WorkerPool[] pools, RunResult r)
    {
        var rssBefore = nodes.Select(n => n.RssBytes()).ToArray();
        var tokens = $"{BenchToken.WorkerPrefix}{OrdersApiProcess.Issuer}:{nodes[0].Secret}";

        // One node's storm after the other: both at once on two cores would time the scheduler, and the figure here is
        // that both hold their sockets, not how fast they came.
        for (var i = 0; i < nodes.Length; i++)
        {
            var wave = await pools[i].ConnectAsync(settings.MaxClients, settings.StormInFlight, ConnectTimeout, tokens).ConfigureAwait(false);
            r.Check(wave.Joined == settings.MaxClients, $"node {i + 1}: {wave.Joined} of {settings.MaxClients} clients joined ({wave.Rejected} refused, {wave.Failed} failed)");
            r.Metrics[$"node{i + 1}_connects_per_s"] = wave.Joined / wave.Elapsed.TotalSeconds;
        }

        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        var before = await Task.WhenAll(pools.Select(p => p.StatsAsync())).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(settings.HoldSeconds)).ConfigureAwait(false);
        var after = await Task.WhenAll(pools.Select(p => p.StatsAsync())).ConfigureAwait(false);
        var held = Stopwatch.GetElapsedTime(started);

        for (var i = 0; i < nodes.Length; i++)
        {
            var counted = await nodes[i].ConnectedSocketsAsync().ConfigureAwait(false);
            var pings = after[i].Pings - before[i].Pings;
            var name = $"node{i + 1}";
            r.Metrics[$"{name}_sockets_held"] = Math.Min(after[i].Held, counted);
            r.Metrics[$"{name}_pings_per_socket"] = (double)pings / settings.MaxClients;
            r.Metrics[$"{name}_rss_mib"] = nodes[i].RssBytes() / 1048576.0;
            r.Metrics[$"{name}_bytes_per_socket"] = (double)(nodes[i].RssBytes() - rssBefore[i]) / settings.MaxClients;
            r.Check(after[i].Held == settings.MaxClients && counted == settings.MaxClients,
                $"{name}: the clients held {after[i].Held}, the node counted {counted} of {settings.MaxClients} sockets after {held.TotalSeconds:F1} s");
            r.Check(pings >= settings.MaxClients, $"{name}: {pings} pings in the hold for {settings.MaxClients} sockets: the hold ended before a heartbeat");
        }

        r.Metrics["sockets_held"] = r.Metrics["node1_sockets_held"] + r.Metrics["node2_sockets_held"];
    }

    // The memory scenario's heartbeat, as the service's configuration sets it: a hold a little longer sees every socket pinged.
    private Dictionary<string, string> Heartbeat()
    {
        var heartbeat = new Dictionary<string, string>();
        var ping = settings.PingIntervalMsFor("memory");
        if (ping > 0) heartbeat["SocketIO__EngineIO__PingInterval"] = TimeSpan.FromMilliseconds(ping).ToString("c", CultureInfo.InvariantCulture);
        if (settings.PingTimeoutMs > 0) heartbeat["SocketIO__EngineIO__PingTimeout"] = TimeSpan.FromMilliseconds(settings.PingTimeoutMs).ToString("c", CultureInfo.InvariantCulture);
        return heartbeat;
    }
}
