using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

public sealed class RoomJoinTests
{
    [Test]
    public async Task Rooms_joined_in_middleware_are_in_place_before_the_connection_is_announced()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);
        var ns = server.IO.Of("/members");
        ns.Use(socket =>
        {
            socket.Join("vip");
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        ns.OnConnection(socket =>
        {
            ns.To("vip").Emit("welcome-vip", socket.Rooms.Count);
            return ValueTask.CompletedTask;
        });

        using var ws = await server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/members,");
        (await ws.ReceiveTextAsync()).Should().StartWith("40/members,{\"sid\":");
        (await ws.ReceiveTextAsync()).Should().Be("42/members,[\"welcome-vip\",2]");
    }

    [Test]
    public async Task A_refused_socket_leaves_no_room_behind()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);
        var ns = server.IO.Of("/picky");
        ns.Use(socket =>
        {
            socket.Join("vip");
            return ValueTask.FromResult(ConnectResult.Reject("no"));
        });

        using var ws = await server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/picky,");
        (await ws.ReceiveTextAsync()).Should().Be("44/picky,{\"message\":\"no\"}");
        ns.RoomNames.Should().BeEmpty();
        ns.To("vip").Emit("anyone").Should().Be(0);
    }
}
