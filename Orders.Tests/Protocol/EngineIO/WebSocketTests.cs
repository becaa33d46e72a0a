using System.Net;
using System.Net.WebSockets;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO;

public sealed class WebSocketTests
{
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 300, pingTimeoutMs: 200);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Text_and_binary_messages_are_echoed_in_their_own_frame_types()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("4hello");
        (await ws.ReceiveTextSkippingPingsAsync()).Should().Be("4hello");
        await ws.SendBinaryAsync([1, 2, 3, 4]);
        var (binary, data) = await ws.ReceiveMessageAsync();
        using var _ = new AssertionScope();
        binary.Should().BeTrue();
        data.Should().Equal(1, 2, 3, 4);
    }

    [Test]
    public async Task Server_pings_every_interval_and_pongs_keep_the_session()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        for (var i = 0; i < 3; i++)
        {
            (await ws.ReceiveTextAsync()).Should().Be("2");
            await ws.SendTextAsync("3");
        }

        ws.State.Should().Be(WebSocketState.Open);
    }

    [Test]
    public async Task Missing_pong_closes_the_session_after_ping_timeout()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        (await ws.WaitForCloseAsync(TimeSpan.FromSeconds(3))).Should().BeTrue();
    }

    [Test]
    public async Task Client_close_packet_closes_the_socket()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("1");
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Malformed_packet_closes_the_socket()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("abc");
        (await ws.WaitForCloseAsync()).Should().BeTrue();
    }

    [Test]
    public async Task Plain_get_with_websocket_transport_is_refused()
    {
        using var response = await _server.Http.GetAsync(_server.Url("/engine.io/", transport: "websocket")).WaitAsync(ConformanceServer.Timeout);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
