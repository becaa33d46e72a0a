using System.Net;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO;

public sealed class UpgradeTests
{
    private const string Path = "/engine.io/";
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 2000, pingTimeoutMs: 2000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Probe_is_answered_pending_poll_gets_a_noop_and_messages_then_flow_over_the_websocket()
    {
        var (sid, ws) = await ProbingSessionAsync();
        using var _ = ws;
        using var poll = await _server.GetAsync(Path, sid);
        (await poll.Content.ReadAsStringAsync()).Should().Be("6");
        await ws.SendTextAsync("5");
        await ws.SendTextAsync("4hello");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4hello");
    }

    [Test]
    public async Task Long_poll_waiting_during_the_probe_is_released_with_a_noop()
    {
        var sid = await _server.OpenPollingAsync();
        var poll = _server.GetAsync(Path, sid);
        await Task.Delay(50);
        using var ws = await _server.ConnectWebSocketAsync(Path, sid);
        await ws.SendTextAsync("2probe");
        (await ws.ReceiveTextAsync()).Should().Be("3probe");
        using var response = await poll;
        (await response.Content.ReadAsStringAsync()).Should().Be("6");
    }

    [Test]
    public async Task Polling_requests_are_refused_after_the_upgrade()
    {
        var (sid, ws) = await UpgradedSessionAsync();
        using var _ = ws;
        using var poll = await _server.GetAsync(Path, sid);
        poll.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Packets_queued_during_the_probe_are_delivered_over_the_websocket()
    {
        var (sid, ws) = await ProbingSessionAsync();
        using var _ = ws;
        using (await _server.GetAsync(Path, sid))
        {
        }

        using var post = await _server.PostAsync(Path, sid, "4queued");
        await ws.SendTextAsync("5");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4queued");
    }

    // The GET that ends the client's pause must not carry messages (see SessionWriter.EndPoll): they wait for the switch.
    [Test]
    public async Task A_poll_during_the_probe_gets_a_noop_and_what_queued_goes_over_the_websocket()
    {
        var (sid, ws) = await ProbingSessionAsync();
        using var _ = ws;
        using (await _server.PostAsync(Path, sid, "4queued"))
        {
        }

        using var poll = await _server.GetAsync(Path, sid);
        (await poll.Content.ReadAsStringAsync()).Should().Be("6");
        await ws.SendTextAsync("5");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4queued");
    }

    /// <summary>A polling session with a WebSocket whose probe was answered: the upgrade is under way, not complete.</summary>
    private async Task<(string Sid, System.Net.WebSockets.ClientWebSocket Ws)> ProbingSessionAsync()
    {
        var sid = await _server.OpenPollingAsync();
        var ws = await _server.ConnectWebSocketAsync(Path, sid);
        await ws.SendTextAsync("2probe");
        (await ws.ReceiveTextAsync()).Should().Be("3probe");
        return (sid, ws);
    }

    /// <summary>A polling session upgraded to WebSocket, proven by an echo over the new socket.</summary>
    private async Task<(string Sid, System.Net.WebSockets.ClientWebSocket Ws)> UpgradedSessionAsync()
    {
        var (sid, ws) = await ProbingSessionAsync();
        await ws.SendTextAsync("5");
        await ws.SendTextAsync("4sync");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4sync");
        return (sid, ws);
    }
}
