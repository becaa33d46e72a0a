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

    [Test]
    public async Task A_room_keeps_the_right_members_as_it_grows_past_one_and_shrinks_back()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);
        var ns = server.IO.Of("/grow");
        var connected = System.Threading.Channels.Channel.CreateUnbounded<Socket>();
        ns.OnConnection(socket =>
        {
            connected.Writer.TryWrite(socket);
            return ValueTask.CompletedTask;
        });

        // The CONNECT answer goes out before the connection handlers run (as in socket.io): each client's socket is
        // awaited before the next client connects, so sockets[i] belongs to clients[i].
        var clients = new List<System.Net.WebSockets.ClientWebSocket>();
        var sockets = new Socket[3];
        for (var i = 0; i < 3; i++)
        {
            var ws = await server.ConnectWebSocketAsync("/socket.io/");
            await ws.ReceiveTextAsync();
            await ws.SendTextAsync("40/grow,");
            await ws.ReceiveTextAsync();
            clients.Add(ws);
            sockets[i] = await connected.Reader.ReadAsync().AsTask().WaitAsync(ConformanceServer.Timeout);
        }

        var (a, b, c) = (sockets[0], sockets[1], sockets[2]);
        a.Join("r");
        ns.To("r").Emit("one").Should().Be(1);
        b.Join("r");
        ns.To("r").Emit("two").Should().Be(2);
        ns.To("r").Except(b.Id).Emit("not-b").Should().Be(1);
        a.Leave("r");
        ns.To("r").Emit("b-only").Should().Be(1);
        c.Join("r");
        b.Leave("r");
        ns.To("r").Emit("c-only").Should().Be(1);
        c.Leave("r");
        ns.RoomNames.Should().NotContain("r");
        ns.To("r").Emit("nobody").Should().Be(0);

        var bClient = clients[Array.IndexOf(sockets, b)];
        var received = new List<string>();
        for (var i = 0; i < 2; i++) received.Add(await bClient.ReceiveTextAsync());
        received.Should().Equal("42/grow,[\"two\"]", "42/grow,[\"b-only\"]");
        foreach (var ws in clients) ws.Dispose();
    }
    [Test]
    public async Task A_socket_lists_each_room_once_in_join_order_and_its_own_room_stays_until_it_disconnects()
    {
        await using var server = await ConformanceServer.StartAsync(pingIntervalMs: 5000, pingTimeoutMs: 5000);
        var ns = server.IO.Of("/list");
        var connected = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        ns.Use(socket =>
        {
            socket.Join("early");
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        ns.OnConnection(socket =>
        {
            connected.TrySetResult(socket);
            return ValueTask.CompletedTask;
        });

        var ws = await server.ConnectWebSocketAsync("/socket.io/");
        await ws.ReceiveTextAsync();
        await ws.SendTextAsync("40/list,");
        await ws.ReceiveTextAsync();
        var socket = await connected.Task.WaitAsync(ConformanceServer.Timeout);

        socket.Rooms.Should().Equal("early", socket.Id);
        socket.Join("a");
        socket.Join("b");
        socket.Join("a");
        socket.Rooms.Should().Equal("early", socket.Id, "a", "b");
        socket.Leave("early");
        socket.Leave("never-joined");
        socket.Rooms.Should().Equal(socket.Id, "a", "b");
        ns.To("a").Emit("x").Should().Be(1);

        socket.Disconnect();
        socket.Rooms.Should().BeEmpty();
        ns.RoomNames.Should().BeEmpty("a disconnected socket leaves every room, its own included");
        ws.Dispose();
    }
}
