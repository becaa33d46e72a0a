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

    /// <summary>The conformance host with socket.io's default timings, driven by <paramref name="clock"/>.</summary>
    private static Task<ConformanceServer> StartOnAsync(FakeTimeProvider clock) =>
        ConformanceServer.StartAsync(
            pingIntervalMs: 25_000, pingTimeoutMs: 20_000, connectTimeoutMs: 45_000,
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
}
