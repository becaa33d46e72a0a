using System.Diagnostics;
using System.Globalization;
using Orders.LoadGen.Client;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Ours only (issue 26): connection state recovery after a socket missed <see cref="BenchSettings.RecoveryEvents"/>
/// events. The real <c>Orders.Api</c> on a throwaway PostgreSQL; one user with a few orders and one
/// <see cref="RecoveringClient"/>, which connects, learns an offset from one live event and drops its connection.
/// The user's orders then change that many times (PATCH, one in flight per order), and the client reconnects with
/// its pid and offset: timed from sending the CONNECT to the last missed event, each event checked to come once, in
/// rising offset order. An untimed round with a tenth as many events comes first (the replay's code is cold).
/// </summary>
internal sealed class RecoveryScenario(BenchSettings settings)
{
    private const string Owner = "bench-recovery-user";

    /// <summary>Orders changed while the client is away: one change in flight on each (two would race on its version).</summary>
    private const int Orders = 8;

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>After the last missed event, how long anything more is waited for: nothing may come.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(300);

    public async Task RunAsync(int port, RunResult r)
    {
        await using var pg = await LocalPostgres.StartAsync(settings.Root).ConfigureAwait(false);
        await using var api = await OrdersApiProcess.StartAsync(settings, port, pg.Url).ConfigureAwait(false);
        try
        {
            await MeasureAsync(api, r).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            r.Problems.Add($"a step of the recovery took over {StepTimeout.TotalSeconds} s");
        }
        finally
        {
            if (api.HasExited) r.Problems.Add($"Orders.Api exited:\n{api.RecentOutput}");
        }
    }

    private async Task MeasureAsync(OrdersApiProcess api, RunResult r)
    {
        var token = api.Token(Owner);
        var orders = new string[Orders];
        for (var i = 0; i < orders.Length; i++) orders[i] = await api.CreateOrderAsync(token).ConfigureAwait(false);

        // A fresh session, and one live event to learn an offset from, as a client has before it drops.
        using var step = new CancellationTokenSource(StepTimeout);
        var client = await RecoveringClient.OpenAsync(api.Port, step.Token).ConfigureAwait(false);
        string sid, pid;
        long offset;
        try
        {
            await client.SendConnectAsync($$"""{"token":"{{token}}"}""", step.Token).ConfigureAwait(false);
            (sid, var given) = RecoveringClient.ReadConnect((await client.ReceiveAsync(step.Token).ConfigureAwait(false)).Span);
            if (given is null)
            {
                r.Problems.Add("the CONNECT answer carried no pid: connection state recovery is off");
                return;
            }

            pid = given;
            if (!await ChangeAsync(api, token, orders, 0, 1, r).ConfigureAwait(false)) return;
            offset = await NextOffsetAsync(client, step.Token).ConfigureAwait(false);
            if (offset < 0)
            {
                r.Problems.Add("the live order:updated carried no offset as its last argument");
                return;
            }
        }
        finally
        {
            client.Abort();
            client.Dispose();
        }

        var connects = new List<double>();
        var replays = new List<double>();
        long made = 1;
        for (var round = 0; round <= settings.RecoveryRounds; round++)
        {
            var events = round == 0 ? settings.RecoveryEvents / 10 : settings.RecoveryEvents;
            if (!await ChangeAsync(api, token, orders, made, events, r).ConfigureAwait(false)) return;
            var replay = await ReplayAsync(api.Port, token, sid, pid, offset, made, events, r).ConfigureAwait(false);
            if (replay is not { } done) return;
            made += events;
            offset = done.LastOffset;
            if (round == 0) continue;
            connects.Add(done.ConnectMs);
            replays.Add(done.ReplayMs);
        }

        r.Metrics["connect_answer_ms"] = Scenarios.Percentile(connects, 0.50);
        r.Metrics["replay_ms"] = Scenarios.Percentile(replays, 0.50);
        r.Metrics["replay_max_ms"] = replays.Max();
        r.Metrics["replayed_events"] = settings.RecoveryEvents;
        r.Samples["connect_answer_ms"] = [.. connects];
        r.Samples["replay_ms"] = [.. replays];
    }

    /// <summary>
    /// Reconnects with <paramref name="pid"/> and <paramref name="offset"/>: the time to the CONNECT answer and to the
    /// last of <paramref name="events"/> missed changes (numbered from <paramref name="first"/>), and the last offset;
    /// null, with the problem recorded, if the session was not recovered or an event was missing, repeated or out of order.
    /// </summary>
    private static async Task<(double ConnectMs, double ReplayMs, long LastOffset)?> ReplayAsync(
        int port, string token, string sid, string pid, long offset, long first, int events, RunResult r)
    {
        using var step = new CancellationTokenSource(StepTimeout);
        using var client = await RecoveringClient.OpenAsync(port, step.Token).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await client.SendConnectAsync(string.Create(CultureInfo.InvariantCulture, $$"""{"token":"{{token}}","pid":"{{pid}}","offset":"{{offset}}"}"""), step.Token).ConfigureAwait(false);
            var (again, _) = RecoveringClient.ReadConnect((await client.ReceiveAsync(step.Token).ConfigureAwait(false)).Span);
            var connectMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (again != sid)
            {
                r.Problems.Add($"not recovered after {events} missed events: a fresh session (sid {again}, was {sid})");
                return null;
            }

            var seen = new bool[events];
            var last = offset;
            for (var got = 0; got < events;)
            {
                var packet = await client.ReceiveAsync(step.Token).ConfigureAwait(false);
                if (!packet.Span.StartsWith("2[\"order:updated\","u8)) continue;
                var n = EventFields.ReadNumber(packet.Span, "\"notes\":\"bench-"u8) - first;
                var at = EventFields.ReadOffset(packet.Span);
                if (at <= last)
                {
                    r.Problems.Add($"replayed event {got + 1} of {events} had offset {at}, after {last}");
                    return null;
                }

                if (n < 0 || n >= events || seen[n])
                {
                    r.Problems.Add($"replayed event {got + 1} of {events} was change {n + first}: {(n < 0 || n >= events ? "not one made while away" : "a second time")}");
                    return null;
                }

                last = at;
                seen[n] = true;
                got++;
            }

            var replayMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            // Every missed event came once and nothing changes any more: anything else now is one too many.
            using var quiet = new CancellationTokenSource(Silence);
            try
            {
                var extra = await client.ReceiveAsync(quiet.Token).ConfigureAwait(false);
                if (extra.Span.StartsWith("2"u8))
                {
                    r.Problems.Add($"an event came after the {events} missed ones: {System.Text.Encoding.UTF8.GetString(extra.Span[..Math.Min(extra.Length, 120)])}");
                    return null;
                }
            }
            catch (OperationCanceledException)
            {
            }

            return (connectMs, replayMs, last);
        }
        finally
        {
            client.Abort();
        }
    }

    /// <summary>Changes <paramref name="count"/> times the notes of the user's orders (numbered from <paramref name="first"/>), one request in flight per order.</summary>
    private static async Task<bool> ChangeAsync(OrdersApiProcess api, string token, string[] orders, long first, int count, RunResult r)
    {
        var next = first - 1;
        var end = first + count;
        string? failure = null;
        await Task.WhenAll(orders.Select(async id =>
        {
            for (var seq = Interlocked.Increment(ref next); seq < end && failure is null; seq = Interlocked.Increment(ref next))
            {
                using var request = OrdersApiProcess.NotesChange(id, token, seq);
                using var response = await api.Http.SendAsync(request).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) failure = $"PATCH of change {seq} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}";
            }
        })).ConfigureAwait(false);
        if (failure is not null) r.Problems.Add(failure);
        return failure is null;
    }

    /// <summary>The offset of the next <c>order:updated</c> the client receives.</summary>
    private static async Task<long> NextOffsetAsync(RecoveringClient client, CancellationToken cancellationToken)
    {
        while (true)
        {
            var packet = await client.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (packet.Span.StartsWith("2[\"order:updated\","u8)) return EventFields.ReadOffset(packet.Span);
        }
    }
}
