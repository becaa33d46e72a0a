using System.Net;
using System.Net.WebSockets;
using FluentAssertions.Execution;

namespace Orders.Tests.Protocol.EngineIO;

public sealed class LimitsTests
{
    private ConformanceServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000, maxPayload: 1000);

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Post_larger_than_max_http_buffer_size_is_refused_and_closes_the_session()
    {
        var sid = await _server.OpenPollingAsync();
        using var post = await _server.PostAsync("/engine.io/", sid, "4" + new string('x', 2000));
        using var after = await _server.GetAsync("/engine.io/", sid);
        using var _ = new AssertionScope();
        post.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        after.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Post_within_the_limit_is_accepted()
    {
        var sid = await _server.OpenPollingAsync();
        using var post = await _server.PostAsync("/engine.io/", sid, "4" + new string('x', 900));
        post.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task WebSocket_message_larger_than_the_limit_closes_the_socket()
    {
        using var ws = await _server.ConnectWebSocketAsync();
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("4" + new string('x', 2000));
        (await ws.WaitForCloseAsync()).Should().BeTrue();
        ws.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
    }
}
