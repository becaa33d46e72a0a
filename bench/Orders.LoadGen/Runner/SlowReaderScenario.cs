using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Orders.LoadGen.Client;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Ours only (issue 28, <c>slow-reader</c>): one client that stops reading among <see cref="BenchSettings.SlowReaderClients"/>
/// that read. The latency scenario's load (events to random users at <see cref="BenchSettings.LatencyRate"/>) runs
/// throughout; its p99 is measured with every client reading (A), then while one more client that reads as fast as the
/// kernel is sent a heavy stream of its own (8 KB events, about 3 MB/s) (C, the control: what the stream itself costs
/// the others), then while a stalled client (<see cref="RawWebSocketClient"/>, never reading) is sent the same stream
/// until the server drops it with <c>send queue full</c> and for the rest of the phase (B). The figures: the others'
/// p99 in B over C (what the stall adds) and over A, the server's resident memory before, at its peak in and after B,
/// and how long the server took to let the slow one go.
/// Node's reference is not run: socket.io buffers a slow reader's packets without a bound, so there is nothing to compare.
/// </summary>
internal sealed class SlowReaderScenario(BenchSettings settings)
{
    private const string Reason = "send queue full";

    // A client that stops reading also stops answering pings: with the smoke's heartbeat (0.5 s + 2 s) that comes first.
    private const string PingTimeout = "ping timeout";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LetGoCap = TimeSpan.FromSeconds(60);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task RunAsync(ServerProcess server, WorkerPool pool, RunResult r)
    {
        var clients = settings.SlowReaderClients;
        var joined = await pool.ConnectAsync(clients, settings.StormInFlight, ConnectTimeout).ConfigureAwait(false);
        r.Check(joined.Joined == clients, $"{joined.Joined} of {clients} clients joined");
        var load = new EventLoad(server);
        using var stop = new CancellationTokenSource();
        var running = load.RunFixedRateAsync(clients, settings.LatencyRate, stop.Token);

        // Every phase is watched as the stalled one must be (two /stats requests every 100 ms, answered on the server's
        // core), the warm-up included: the first few hundred of those requests JIT and tier up the server's stats path,
        // which cost whichever phase watched first 2x its p99 (session 21); watched alike, the watching is in every
        // figure and out of their ratios.
        await WatchedAsync(server, () => Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds))).ConfigureAwait(false);
        var before = await WatchedAsync(server, () => MeasureAsync(pool, null)).ConfigureAwait(false);

        // The control, user N + 1: the same stream to a client that reads it all.
        List<double> control;
        GcPhase gcControl;
        using (var reader = await RawWebSocketClient.ConnectAsync(server.Port, "u" + (clients + 1).ToString(CultureInfo.InvariantCulture), TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            using var stopControl = new CancellationTokenSource();
            var draining = reader.DrainAsync(stopControl.Token);
            var controlStream = StreamAsync(server, clients + 1, stopControl.Token);
            gcControl = await GcPhase.StartAsync(server).ConfigureAwait(false);
            control = await WatchedAsync(server, () => MeasureAsync(pool, null)).ConfigureAwait(false);
            await gcControl.EndAsync(server).ConfigureAwait(false);
            await stopControl.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(draining, controlStream).ConfigureAwait(false);
        }

        var rssBefore = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Rss;

        // The stalled client is user N: the load above picks users below N, so only the heavy stream reaches it.
        using var stalled = await RawWebSocketClient.ConnectAsync(server.Port, "u" + clients.ToString(CultureInfo.InvariantCulture), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var closedBefore = await server.CloseReasonsAsync().ConfigureAwait(false);
        using var stopStream = new CancellationTokenSource();
        var stream = StreamAsync(server, clients, stopStream.Token);
        var watch = WatchAsync(server, closedBefore, stopStream.Token);
        var gcStalled = await GcPhase.StartAsync(server).ConfigureAwait(false);
        var during = await MeasureAsync(pool, watch).ConfigureAwait(false);
        await gcStalled.EndAsync(server).ConfigureAwait(false);
        var letGo = await watch.ConfigureAwait(false);
        await stopStream.CancelAsync().ConfigureAwait(false);
        await stream.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);

        var rssAfter = (await server.StatsAsync(collect: false).ConfigureAwait(false)).Rss;
        var held = (await pool.StatsAsync().ConfigureAwait(false)).Held;
        r.Check(letGo.Reason == Reason || (settings.Smoke && letGo.Reason == PingTimeout),
            $"the stalled client was not dropped with '{Reason}' within {LetGoCap.TotalSeconds:F0} s ({letGo.Reason ?? "not dropped"}): {await server.CloseReasonsAsync().ConfigureAwait(false)}");
        r.Check(held == clients, $"{held} of {clients} reading clients were still connected after the slow one");
        r.Check(before.Count > 0 && control.Count > 0 && during.Count > 0, "no latency samples");
        if (before.Count == 0 || control.Count == 0 || during.Count == 0) return;
        var p99Before = Scenarios.Percentile(before, 0.99);
        var p99Control = Scenarios.Percentile(control, 0.99);
        var p99During = Scenarios.Percentile(during, 0.99);
        r.Metrics["p99_ms_all_reading"] = p99Before;
        r.Metrics["p99_ms_stream_to_a_reader"] = p99Control;
        r.Metrics["p99_ms_one_stalled"] = p99During;
        r.Metrics["p99_stalled_over_stream_to_a_reader"] = p99During / p99Control;
        r.Metrics["p99_stalled_over_reading"] = p99During / p99Before;
        if (letGo.Seconds is { } s) r.Metrics["seconds_to_drop"] = s;
        // The runtime's memory work per second of each phase: whether holding the stalled client's frames for seconds
        // (promoted past gen0, unlike a reader's) is what its neighbours' p99 pays for.
        gcControl.Report(r, "stream_to_a_reader");
        gcStalled.Report(r, "one_stalled");
        r.Metrics["rss_mib_before"] = rssBefore / 1048576.0;
        r.Metrics["rss_mib_peak"] = Math.Max(letGo.PeakRss, rssAfter) / 1048576.0;
        r.Metrics["rss_mib_after"] = rssAfter / 1048576.0;
    }

    /// <summary>The server's GC work over one phase: its counters at the start, then their change per second at the end.</summary>
    private sealed class GcPhase
    {
        private ServerGcStats _counters;
        private long _started;
        private double _seconds;

        public static async Task<GcPhase> StartAsync(ServerProcess server) =>
            new() { _counters = await CountersAsync(server).ConfigureAwait(false), _started = Stopwatch.GetTimestamp() };

        public async Task EndAsync(ServerProcess server)
        {
            _counters = (await CountersAsync(server).ConfigureAwait(false)).Since(_counters);
            _seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        }

        public void Report(RunResult r, string phase)
        {
            if (_seconds <= 0) return;
            r.Metrics[$"gc_pause_ms_per_s_{phase}"] = _counters.PauseMs / _seconds;
            r.Metrics[$"gen1_per_s_{phase}"] = _counters.Gen1 / _seconds;
            r.Metrics[$"gen2_{phase}"] = _counters.Gen2;
        }

        private static async Task<ServerGcStats> CountersAsync(ServerProcess server) =>
            (await server.StatsAsync(collect: false).ConfigureAwait(false)).Gc ?? default;
    }

    /// <summary>Runs <paramref name="phase"/> while the server's close reasons and RSS are polled as in the stalled phase.</summary>
    private static async Task<T> WatchedAsync<T>(ServerProcess server, Func<Task<T>> phase)
    {
        using var stopWatching = new CancellationTokenSource();
        var watching = WatchAsync(server, await server.CloseReasonsAsync().ConfigureAwait(false), stopWatching.Token);
        var result = await phase().ConfigureAwait(false);
        await stopWatching.CancelAsync().ConfigureAwait(false);
        await watching.ConfigureAwait(false);
        return result;
    }

    private static Task WatchedAsync(ServerProcess server, Func<Task> phase) =>
        WatchedAsync(server, async () =>
        {
            await phase().ConfigureAwait(false);
            return true;
        });

    /// <summary>The reading clients' latencies over one measured phase; with <paramref name="until"/>, also until it ends.</summary>
    private async Task<List<double>> MeasureAsync(WorkerPool pool, Task? until)
    {
        await pool.SetModeAsync("latency").ConfigureAwait(false);
        var phase = Task.Delay(TimeSpan.FromSeconds(settings.MeasureSeconds));
        await (until is null ? phase : Task.WhenAll(phase, until)).ConfigureAwait(false);
        await pool.SetModeAsync("none").ConfigureAwait(false);
        return [.. (await pool.TakeSamplesAsync().ConfigureAwait(false)).Select(us => us / 1000.0)];
    }

    /// <summary>8 KB events to the stalled user, 8 per POST, 50 POSTs a second, one at a time.</summary>
    private static async Task StreamAsync(ServerProcess server, int user, CancellationToken stop)
    {
        var body = Encoding.ASCII.GetBytes(
            $"{{\"events\":[{string.Join(',', Enumerable.Repeat($"{{\"user\":{user},\"event\":\"bulk\",\"data\":{{\"p\":\"{new string('x', 8192)}\"}}}}", 8))}]}}");
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = Json;
                using var response = await server.Http.PostAsync("emit", content, stop).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Polls the server's close reasons until a session is closed as a slow reader or for not answering pings (only
    /// the stalled client can be): why, the seconds since the stream began, and the server's RSS peak meanwhile.
    /// </summary>
    private static async Task<(string? Reason, double? Seconds, long PeakRss)> WatchAsync(ServerProcess server, string closedBefore, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        long peak = 0;
        while (!stop.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < LetGoCap)
        {
            peak = Math.Max(peak, (await server.StatsAsync(collect: false).ConfigureAwait(false)).Rss);
            var now = await server.CloseReasonsAsync().ConfigureAwait(false);
            foreach (var reason in new[] { Reason, PingTimeout })
            {
                if (Closed(now, reason) > Closed(closedBefore, reason)) return (reason, Stopwatch.GetElapsedTime(started).TotalSeconds, peak);
            }

            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
        }

        return (null, null, peak);
    }

    // "reason=n, reason=n": how many sessions were closed for this reason so far.
    private static long Closed(string reasons, string reason) => reasons.Split(", ")
        .Where(p => p.StartsWith(reason + "=", StringComparison.Ordinal))
        .Sum(p => long.Parse(p[(reason.Length + 1)..], CultureInfo.InvariantCulture));
}
