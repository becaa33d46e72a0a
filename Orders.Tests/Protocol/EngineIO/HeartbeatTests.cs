using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>Heartbeats on a fake clock: exact, and independent of how busy the machine is.</summary>
public sealed class HeartbeatTests
{
    [Test]
    public async Task Ping_is_sent_after_ping_interval_and_a_missing_pong_closes_after_ping_timeout()
    {
        var clock = new FakeTimeProvider();
        await using var server = await StartOnAsync(clock);
        using var ws = await server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();

        clock.Advance(TimeSpan.FromSeconds(24));
        var early = ws.ReceiveTextAsync(TimeSpan.FromMilliseconds(300));
        await FluentActions.Awaiting(() => early).Should().ThrowAsync<OperationCanceledException>("no ping is due before pingInterval");

        using var ws2 = await server.ConnectWebSocketAsync();
        await ws2.ReceiveTextAsync();
        clock.Advance(TimeSpan.FromSeconds(25));
        (await ws2.ReceiveTextAsync()).Should().Be("2");

        clock.Advance(TimeSpan.FromSeconds(19));
        await Task.Delay(100);
        ws2.State.Should().Be(System.Net.WebSockets.WebSocketState.Open, "pingTimeout has not passed yet");

        clock.Advance(TimeSpan.FromSeconds(2));
        (await ws2.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Pong_within_ping_timeout_keeps_the_session_open()
    {
        var clock = new FakeTimeProvider();
        await using var server = await StartOnAsync(clock);
        using var ws = await server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(25));
            (await ws.ReceiveTextAsync()).Should().Be("2");
            clock.Advance(TimeSpan.FromSeconds(10));
            await ws.SendTextAsync("3");
            await Task.Delay(50);
        }

        await ws.SendTextAsync("4alive");
        (await ws.ReceiveTextAsync()).Should().Be("4alive");
    }

    [Test]
    public async Task Sessions_opened_a_moment_apart_are_pinged_a_moment_apart_not_in_one_burst()
    {
        // A sweep once a second pinged every session that came due within that second together: a connect burst
        // became a burst of pings that held up whatever was being sent at the time. 200 ms apart stays apart.
        var clock = new FakeTimeProvider();
        await using var server = await StartOnAsync(clock);
        using var first = await server.ConnectWebSocketAsync();
        await first.ReceiveTextAsync();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        using var second = await server.ConnectWebSocketAsync();
        await second.ReceiveTextAsync();

        clock.Advance(TimeSpan.FromMilliseconds(24_850));
        (await first.ReceiveTextAsync()).Should().Be("2");

        // The clock now stands 25.25 s after the first session opened, 25.05 s after the second.
        clock.Advance(TimeSpan.FromMilliseconds(200));
        (await second.ReceiveTextAsync()).Should().Be("2", "its ping is due 200 ms after the first one's, not at the next whole second");
    }

    [Test]
    public async Task First_pings_of_sessions_opened_together_are_spread_over_the_last_fifth_of_the_interval()
    {
        // Opened in the same instant: without the spread they would be pinged together at every interval.
        var clock = new FakeTimeProvider();
        await using var server = await StartOnAsync(clock, pingJitter: 0.2);
        var sockets = new List<System.Net.WebSockets.ClientWebSocket>();
        for (var i = 0; i < 40; i++)
        {
            var ws = await server.ConnectWebSocketAsync();
            await ws.ReceiveTextAsync();
            sockets.Add(ws);
        }

        try
        {
            // A receive cancelled by its timeout aborts the socket: one receive per socket, watched as the clock moves.
            var pings = sockets.Select(ws => ws.ReceiveTextAsync(TimeSpan.FromSeconds(60))).ToList();
            clock.Advance(TimeSpan.FromMilliseconds(19_900));
            await Task.Delay(100);
            pings.Should().OnlyContain(p => !p.IsCompleted, "no first ping comes before 80% of the interval");

            // Step through the last fifth: every session is pinged, and not all in the same step.
            var pingedAt = new int?[sockets.Count];
            for (var step = 0; step < 11; step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(500));
                await Task.Delay(100);
                for (var i = 0; i < pings.Count; i++)
                {
                    if (pingedAt[i] is null && pings[i].IsCompleted) pingedAt[i] = step;
                }
            }

            await Task.WhenAll(pings).WaitAsync(TimeSpan.FromSeconds(5));
            pings.Should().OnlyContain(p => p.Result == "2");
            pingedAt.Distinct().Count().Should().BeGreaterThan(3, "40 first pings spread over 5 s do not fall in a few half-second steps");
        }
        finally
        {
            foreach (var ws in sockets) ws.Dispose();
        }
    }

    /// <summary>The conformance host with socket.io's default timings, driven by <paramref name="clock"/>.</summary>
    private static Task<ConformanceServer> StartOnAsync(FakeTimeProvider clock, double pingJitter = 0) =>
        ConformanceServer.StartAsync(
            pingIntervalMs: 25_000, pingTimeoutMs: 20_000, connectTimeoutMs: 45_000,
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)),
            engineIO: o => o.PingJitter = pingJitter);
}
