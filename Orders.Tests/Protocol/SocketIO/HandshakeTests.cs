using System.Net.WebSockets;
using FluentAssertions.Execution;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class HandshakeTests
{
    [Test]
    public async Task Headers_query_and_cookies_of_the_first_request_reach_the_middleware()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);
        var seen = new TaskCompletionSource<Handshake>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.IO.Of("/inspect").Use(socket =>
        {
            seen.TrySetResult(socket.Handshake);
            return ValueTask.FromResult(ConnectResult.Accept);
        });

        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Cookie", "accessToken=abc%2Fdef; theme=dark");
        ws.Options.SetRequestHeader("Authorization", "Bearer xyz");
        var uri = new Uri(server.BaseUri.ToString().Replace("http", "ws", StringComparison.Ordinal) + "socket.io/?EIO=4&transport=websocket&tenant=acme");
        await ws.ConnectAsync(uri, CancellationToken.None).WaitAsync(ConformanceServer.Timeout);
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/inspect,{\"token\":\"t\"}");

        var handshake = await seen.Task.WaitAsync(ConformanceServer.Timeout);
        using var _ = new AssertionScope();
        handshake.Cookies.Should().Contain("accessToken", "abc/def").And.Contain("theme", "dark");
        handshake.Query.Should().Contain("tenant", "acme").And.Contain("EIO", "4");
        handshake.Headers.Authorization.ToString().Should().Be("Bearer xyz");
        handshake.Auth.GetProperty("token").GetString().Should().Be("t");
    }
}
