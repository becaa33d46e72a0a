using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orders.LoadGen.Client;

namespace Orders.LoadGen.Runner;

/// <summary>
/// 6. Ours only: order change to client through the real stack. A throwaway PostgreSQL and Orders.Api (pinned to the
/// server core), one order and one client per user, then <c>PATCH /api/orders/{id}</c> with <c>notes = "bench-N"</c> at a
/// fixed rate; each commit makes exactly one <c>order:updated</c> to the owner's room, matched by order id + N.
/// Latency is from just before the request is sent to the event's arrival (an upper bound on commit-to-client: it
/// includes the HTTP request, validation and the commit). The clients live in this process: a few hundred need no worker.
/// With <paramref name="twoNodes"/> (issue 27's <c>nodes</c>), a second node of the service on the generator's core shares
/// the database: half the users' clients are on each node, and every change is sent to the node its owner's client is
/// not on, so each event crosses from one node to the other through the outbox's rows and a notification.
/// </summary>
internal sealed class OrdersScenario(BenchSettings settings, bool twoNodes = false)
{
    // After the last answer, events are awaited while they keep coming (a saturated API drains its queue late), and
    // a change counts as lost only after this long without any new event, or the cap in all.
    private static readonly TimeSpan DrainStall = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainCap = TimeSpan.FromSeconds(120);

    public async Task RunAsync(int port, RunResult r)
    {
        await using var pg = await LocalPostgres.StartAsync(settings.Root).ConfigureAwait(false);
        await using var api = await OrdersApiProcess.StartAsync(settings, port, pg.Url).ConfigureAwait(false);
        await using var second = twoNodes
            ? await OrdersApiProcess.StartAsync(settings, FreePort(), pg.Url, api.Secret, settings.GeneratorCore).ConfigureAwait(false)
            : null;
        OrdersApiProcess[] nodes = second is null ? [api] : [api, second];
        try
        {
            await MeasureAsync(nodes, pg, r).ConfigureAwait(false);
        }
        finally
        {
            foreach (var node in nodes.Where(n => n.HasExited)) r.Problems.Add($"Orders.Api on port {node.Port} exited:\n{node.RecentOutput}");
        }
    }

    private async Task MeasureAsync(OrdersApiProcess[] nodes, LocalPostgres pg, RunResult r)
    {
        var api = nodes[0];
        var users = settings.OrdersUsers;
        var tokens = Enumerable.Range(0, users).Select(i => api.Token($"bench-user-{i}")).ToArray();

        // One pending order per user, created before any client connects (their order:created is not counted).
        var orders = new string[users];
        using (var gate = new SemaphoreSlim(32))
        {
            await Task.WhenAll(Enumerable.Range(0, users).Select(async i =>
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    orders[i] = await api.CreateOrderAsync(tokens[i]).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
        }

        // One change per tick of the fixed rate, warm-up and measured phase: the most the drive can number.
        var ledger = new OrderChangeLedger(orders, (int)Math.Ceiling((settings.OrdersWarmupSeconds + settings.MeasureSeconds) * settings.OrdersRate) + 1);
        var state = new WorkerState(_ => { }) { OrderUpdates = ledger.OnArrived };
        using var clients = new EventLoop(state);
        // Users [0, half) have their client on the first node, the others on the last; a change goes to the other one.
        var half = nodes.Length == 1 ? users : users / 2;
        await ConnectAsync(clients, api.Port, tokens[..half], r).ConfigureAwait(false);
        if (nodes.Length > 1) await ConnectAsync(clients, nodes[^1].Port, tokens[half..], r).ConfigureAwait(false);
        var writerOf = Enumerable.Range(0, users).Select(i => (i < half ? nodes[^1] : nodes[0]).Http).ToArray();
        await DriveAsync(nodes, writerOf, pg, orders, tokens, ledger, r).ConfigureAwait(false);
        r.Check(ledger.Duplicates == 0, $"{ledger.Duplicates} order:updated events arrived twice");
        r.Check(Interlocked.Read(ref state.Closed) == 0, $"{state.Closed} clients were disconnected");
    }

    /// <summary>The fixed-rate load: warm-up, then the measured phase; every successful PATCH must produce its event.</summary>
    private async Task DriveAsync(OrdersApiProcess[] nodes, HttpClient[] writerOf, LocalPostgres pg, string[] orders, string[] tokens, OrderChangeLedger ledger, RunResult r)
    {
        var requests = new List<Task>();
        var idle = new ConcurrentQueue<int>(Enumerable.Range(0, orders.Length));
        long skipped = 0, skippedMeasured = 0, sentMeasured = 0;
        var freq = Stopwatch.Frequency;
        var interval = freq / (double)settings.OrdersRate;
        var t0 = Stopwatch.GetTimestamp();
        var measureFrom = t0 + (long)(settings.OrdersWarmupSeconds * freq);
        var end = measureFrom + (long)(settings.MeasureSeconds * freq);
        CpuSample? cpuA = null;
        var locks = new OutboxLockSampler(pg.ConnectionString, measureFrom);
        await using var lockSampling = locks.ConfigureAwait(false);
        long seq = 0;
        while (true)
        {
            var due = t0 + (long)(seq * interval);
            if (due >= end || seq >= ledger.Capacity) break;
            var now = Stopwatch.GetTimestamp();
            if (cpuA is null && now >= measureFrom) cpuA = CpuSample.Take(nodes, pg);

            if (due > now)
            {
                await Task.Delay(1).ConfigureAwait(false);
                continue;
            }

            // One change in flight per order: two at once would race on the order's version (409), which is the
            // API doing its job, not a lost event. No free order means the API is far behind the rate: skipped.
            var n = seq++;
            if (!idle.TryDequeue(out var user))
            {
                skipped++;
                if (due >= measureFrom) skippedMeasured++;
                continue;
            }

            if (due >= measureFrom) sentMeasured++;

            // Completed requests are dropped as the run goes: 40,000 finished tasks kept to the end were garbage the
            // collector had to promote, in this process that also times the events.
            if (requests.Count >= 1024) requests.RemoveAll(t => t.IsCompleted);
            requests.Add(PatchAsync(writerOf[user], tokens[user], orders[user], user, n, ledger, () => idle.Enqueue(user)));
        }

        var measuredWall = Stopwatch.GetElapsedTime(measureFrom);
        var cpu = cpuA is { } a ? CpuSample.Take(nodes, pg).Since(a) : default;
        var lockStats = await locks.StopAsync().ConfigureAwait(false);
        await Task.WhenAll(requests).ConfigureAwait(false);

        // Delivered == expected: one event per answered change, with that order's id, nothing missing or extra. A
        // saturated API still has events queued here; they count as long as they keep coming.
        var drain = await ledger.WaitForEventsAsync(DrainStall, DrainCap).ConfigureAwait(false);

        var fromSend = new List<double>();
        var http = new List<double>();
        long eventBeforeResponse = 0, measured = 0, answeredInWindow = 0;
        foreach (var (sent, answered, arrived) in ledger.Delivered())
        {
            if (answered >= measureFrom && answered < end) answeredInWindow++;
            if (sent < measureFrom) continue;
            measured++;
            fromSend.Add((arrived - sent) * 1000.0 / freq);
            http.Add((answered - sent) * 1000.0 / freq);
            if (arrived < answered) eventBeforeResponse++;
        }

        // Committed and delivered changes per second in the measured phase: below the rate, the API is the limit.
        var kept = answeredInWindow / settings.MeasureSeconds;
        if (cpuA is not null)
        {
            r.ServerCpu = cpu.Api / measuredWall;
            r.GeneratorCpu = cpu.Generator / measuredWall;
        }

        // Not broken (every change answered was delivered), but not the load asked for: flagged in the line and the table.
        // Judged on the measured phase: the warm-up is there to absorb a cold start (JIT, pools filling).
        if (skippedMeasured > 0 || kept < 0.95 * settings.OrdersRate)
        {
            r.RateNotKept = string.Create(CultureInfo.InvariantCulture,
                $"kept {kept:F0} of {settings.OrdersRate} changes/s, {skippedMeasured} of {skippedMeasured + sentMeasured} skipped in the measured phase (every order had one in flight)");
            // The API had CPU to spare yet the rate was not kept: the generator, PostgreSQL or a neighbour was the limit.
            r.GeneratorBound = r.ServerCpu < 0.95;
        }

        var missing = ledger.Missing();
        var unexpected = ledger.Unexpected();
        r.Check(ledger.FailureCount == 0, $"{ledger.FailureCount} of {seq - skipped} PATCH requests failed, first: {ledger.FirstFailure}");
        r.Check(missing == 0, string.Create(CultureInfo.InvariantCulture,
            $"{missing} of {ledger.AnsweredCount} answered changes never delivered their order:updated (waited {drain.TotalSeconds:F1} s after the last answer)"));
        r.Check(unexpected == 0, $"{unexpected} order:updated events for changes never made");
        r.Check(ledger.WrongOrder == 0, $"{ledger.WrongOrder} events carried another order's id");
        // A build from before the outbox (--root) sends no offsets at all; one that sends some must send them all.
        r.Check(ledger.WithoutOffset == 0 || ledger.WithOffset == 0, $"{ledger.WithoutOffset} events carried no offset (their last argument, the outbox position), {ledger.WithOffset} did");
        r.Check(ledger.OffsetNotAfterPrevious == 0, $"{ledger.OffsetNotAfterPrevious} events' offsets were not above the previous one of their order");
        r.Check(fromSend.Count > 0, "no latency samples");
        if (fromSend.Count == 0) return;
        r.Metrics["changes_per_s"] = kept;
        r.Metrics["p50_ms"] = Scenarios.Percentile(fromSend, 0.50);
        r.Metrics["p99_ms"] = Scenarios.Percentile(fromSend, 0.99);
        r.Metrics["http_p50_ms"] = Scenarios.Percentile(http, 0.50);
        r.Metrics["http_p99_ms"] = Scenarios.Percentile(http, 0.99);
        r.Metrics["event_before_response_share"] = (double)eventBeforeResponse / measured;
        // CPU per change is what to compare across runs on a shared machine: rates move with the neighbours, this does not.
        if (answeredInWindow > 0 && cpuA is not null)
        {
            r.Metrics["api_cpu_us_per_change"] = cpu.Api.TotalMicroseconds * settings.MeasureSeconds / measuredWall.TotalSeconds / answeredInWindow;
            r.Metrics["pg_cpu_us_per_change"] = cpu.Postgres.TotalMicroseconds * settings.MeasureSeconds / measuredWall.TotalSeconds / answeredInWindow;
        }

        // How long the last events trailed the last answer: a backlog in the API's event queue shows here.
        r.Metrics["drain_s"] = drain.TotalSeconds;

        // Every event-writing commit takes the outbox's lock: how many waited for it, and how often its holder was
        // idle in transaction, its COMMIT still to come from the API (that wait is inside the lock too).
        if (lockStats.Samples > 0)
        {
            r.Metrics["lock_waiters_avg"] = lockStats.Waiters;
            r.Metrics["lock_holder_idle_share"] = lockStats.HolderIdle;
        }
    }

    /// <summary>One notes change through <paramref name="http"/>, recorded in <paramref name="ledger"/>; <paramref name="done"/> runs however it ends.</summary>
    internal static async Task PatchAsync(HttpClient http, string token, string orderId, int order, long seq, OrderChangeLedger ledger, Action done)
    {
        using var request = OrdersApiProcess.NotesChange(orderId, token, seq);
        try
        {
            ledger.OnSent(seq, order, Stopwatch.GetTimestamp());
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var answered = Stopwatch.GetTimestamp();
            if (response.IsSuccessStatusCode) ledger.OnAnswered(seq, answered);
            else ledger.OnFailed(seq, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            ledger.OnFailed(seq, ex.Message);
        }
        finally
        {
            done();
        }
    }

    internal static async Task ConnectAsync(EventLoop clients, int port, string[] tokens, RunResult r)
    {
        // Every client at once: a few hundred, as many in flight.
        var tally = await clients.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), IPAddress.Loopback, tokens.Length, tokens.Length, i => tokens[i])
            .WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        r.Check(tally.Joined == tokens.Length, $"{tally.Joined} of {tokens.Length} clients joined");
    }


    /// <summary>A free loopback TCP port (bound and released; another process could take it first, which the start reports).</summary>
    internal static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
