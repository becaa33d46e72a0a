using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Orders.LoadGen.Commit;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Ours only (issue 26): what the outbox row costs an order change at the database. The real <c>Orders.Api</c> migrates
/// a throwaway PostgreSQL and makes one order; its PATCH is timed one request at a time (the whole request, for
/// scale); then the API is stopped (its feed would read every row written next, on the core the timer runs on) and
/// <see cref="CommitTimer"/>, pinned to the API's core, commits changes of that order the old way (A, one autocommit
/// UPDATE) and the outbox way (B, as the service sends it), alternating in blocks. Three more kinds take B apart, each
/// in one round trip (one implicit transaction): C the lock, UPDATE, row and NOTIFY; D the same without NOTIFY (C - D is
/// what a notification costs a commit, issue 27); E the UPDATE and the row alone (what the row itself costs, the floor of
/// any outbox that writes the event in the change's transaction). B's lock window
/// (lock and INSERT to COMMIT answered) bounds how many event-writing commits a second the advisory lock lets through.
/// </summary>
internal sealed class OutboxScenario(BenchSettings settings)
{
    private const string Owner = "bench-outbox-user";

    private static readonly TimeSpan TimerTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Metric name prefixes of each way of committing, in the table's order.</summary>
    private static readonly (CommitKind Kind, string Name)[] Kinds =
    [
        (CommitKind.Update, "update"),
        (CommitKind.Outbox, "outbox"),
        (CommitKind.OneTrip, "one_trip"),
        (CommitKind.OneTripSilent, "one_trip_silent"),
        (CommitKind.RowAlone, "row_alone"),
    ];

    public async Task RunAsync(int port, RunResult r)
    {
        await using var pg = await LocalPostgres.StartAsync(settings.Root).ConfigureAwait(false);
        string orderId;
        await using (var api = await OrdersApiProcess.StartAsync(settings, port, pg.Url).ConfigureAwait(false))
        {
            try
            {
                var token = api.Token(Owner);
                orderId = await api.CreateOrderAsync(token).ConfigureAwait(false);
                await TimePatchesAsync(api, token, orderId, r).ConfigureAwait(false);
            }
            finally
            {
                if (api.HasExited) r.Problems.Add($"Orders.Api exited:\n{api.RecentOutput}");
            }
        }

        if (r.Problems.Count > 0) return;
        await TimeCommitsAsync(pg, orderId, r).ConfigureAwait(false);
    }

    /// <summary>The request a change makes, sent one at a time to an otherwise idle API: its share is what the row adds.</summary>
    private async Task TimePatchesAsync(OrdersApiProcess api, string token, string orderId, RunResult r)
    {
        var warmup = settings.OutboxPatches / 2;
        var times = new List<double>(settings.OutboxPatches);
        for (var seq = 0; seq < warmup + settings.OutboxPatches; seq++)
        {
            using var request = OrdersApiProcess.NotesChange(orderId, token, seq);
            var started = Stopwatch.GetTimestamp();
            using var response = await api.Http.SendAsync(request).ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                r.Problems.Add($"PATCH {seq} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                return;
            }

            if (seq >= warmup) times.Add(ms);
        }

        r.Metrics["patch_p50_ms"] = Scenarios.Percentile(times, 0.50);
        r.Metrics["patch_p99_ms"] = Scenarios.Percentile(times, 0.99);
    }

    private async Task TimeCommitsAsync(LocalPostgres pg, string orderId, RunResult r)
    {
        var count = settings.OutboxCommits;
        var block = count / 12;
        var lines = new ConcurrentQueue<string>();
        var command = SelfCommand.With(
            "commit-timer", pg.ConnectionString, orderId, Owner,
            count.ToString(CultureInfo.InvariantCulture), block.ToString(CultureInfo.InvariantCulture), (count / 10).ToString(CultureInfo.InvariantCulture));
        await using var timer = PinnedProcess.Start(settings, command, new Dictionary<string, string>(), lines.Enqueue);
        try
        {
            await timer.WaitForExitAsync().WaitAsync(TimerTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            r.Problems.Add($"the commit timer did not finish within {TimerTimeout.TotalSeconds} s:\n{timer.RecentOutput}");
            return;
        }

        var output = lines.ToList();
        if (!output.Contains("done"))
        {
            r.Problems.Add($"the commit timer failed:\n{timer.RecentOutput}");
            return;
        }

        var samples = Read(output, "samples");
        var locked = Read(output, "locked");
        var update = Scenarios.Percentile(samples[CommitKind.Update], 0.50);
        var update99 = Scenarios.Percentile(samples[CommitKind.Update], 0.99);
        foreach (var (kind, name) in Kinds)
        {
            var ms = samples[kind];
            r.Metrics[$"{name}_p50_ms"] = Scenarios.Percentile(ms, 0.50);
            r.Metrics[$"{name}_p99_ms"] = Scenarios.Percentile(ms, 0.99);
            if (kind != CommitKind.Update)
            {
                r.Metrics[$"{name}_over_update_p50"] = r.Metrics[$"{name}_p50_ms"] / update;
                r.Metrics[$"{name}_over_update_p99"] = r.Metrics[$"{name}_p99_ms"] / update99;
            }

            // Each block's median, in the order taken: a drift through the run shows here, and reached every kind alike.
            r.Samples[$"{name}_block_p50_ms"] = [.. ms.Chunk(block).Select(b => Scenarios.Percentile(b, 0.50))];
        }

        // Every event-writing commit of the service waits for the one holding the lock: one at a time, this many a second at most.
        var window = Scenarios.Percentile(locked[CommitKind.Outbox], 0.50);
        r.Metrics["lock_window_p50_ms"] = window;
        r.Metrics["lock_window_p99_ms"] = Scenarios.Percentile(locked[CommitKind.Outbox], 0.99);
        r.Metrics["lock_ceiling_per_s"] = 1000 / window;

        // What the row adds (as the service sends it), against the whole request it is part of.
        if (r.Metrics.TryGetValue("patch_p50_ms", out var patch))
        {
            r.Metrics["row_share_of_patch_p50"] = (r.Metrics["outbox_p50_ms"] - update) / patch;
        }

        r.Metrics["payload_bytes"] = int.Parse(output.First(l => l.StartsWith("payload ", StringComparison.Ordinal))[8..], CultureInfo.InvariantCulture);
    }

    /// <summary>The timer's <c>WHAT KIND µs µs ...</c> lines, in ms by kind.</summary>
    private static Dictionary<CommitKind, List<double>> Read(List<string> output, string what) => output
        .Where(l => l.StartsWith(what + " ", StringComparison.Ordinal))
        .Select(l => l.Split(' '))
        .ToDictionary(f => Enum.Parse<CommitKind>(f[1]), f => f[2..].Select(us => double.Parse(us, CultureInfo.InvariantCulture) / 1000).ToList());
}
