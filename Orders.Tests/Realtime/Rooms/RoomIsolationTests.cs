using Orders.Tests.Infrastructure;
using Orders.Tests.Realtime.Events;

namespace Orders.Tests.Realtime.Rooms;

// Who receives what: owners their own orders, admins everything, nobody joins rooms on their own.
public sealed class RoomIsolationTests : OrdersServerFixture
{
    [Test]
    public async Task Every_user_receives_exactly_their_own_events_and_admins_receive_all()
    {
        var random = new Random(20261125);
        var users = Enumerable.Range(0, 6).Select(_ => NewUser()).ToArray();
        await using var admin = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token("ops-" + Guid.NewGuid(), admin: true));
        var sockets = new Dictionary<string, OrderSocket>();
        var expected = users.ToDictionary(u => u, _ => new List<(string OrderId, string Name)>());
        try
        {
            foreach (var user in users)
            {
                // Half over polling, half over WebSocket: rooms do not care about the transport.
                sockets[user] = await OrderSocket.ConnectAsync(
                    Server.BaseAddress, Server.Token(user),
                    sockets.Count % 2 == 0 ? SocketIOClient.Transport.TransportProtocol.WebSocket : SocketIOClient.Transport.TransportProtocol.Polling);
            }

            foreach (var user in users)
            {
                using var http = Server.ClientFor(user);
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var order = await http.CreateOrderAsync();
                    expected[user].Add((order.Id(), "order:created"));
                    if (random.Next(2) == 0)
                    {
                        await Admin.MoveAsync(order.Id(), "processing");
                        expected[user].Add((order.Id(), "order:status_changed"));
                    }
                }
            }

            var total = expected.Values.Sum(list => list.Count);
            var adminEvents = await admin.WaitForAsync(total);
            foreach (var user in users)
            {
                var received = await sockets[user].WaitForAsync(expected[user].Count);
                received.Select(e => (e.OrderId(), e.Name)).Should().Equal(expected[user], $"{user} gets their own events, in order");
            }

            // Every user's last event reached the admin after all of them; nobody received anything extra since.
            adminEvents.Select(e => (e.OrderId(), e.Name)).Should().BeEquivalentTo(expected.Values.SelectMany(list => list));
            foreach (var user in users)
            {
                sockets[user].Events.Should().HaveCount(expected[user].Count, $"{user} must not see other users' events");
            }
        }
        finally
        {
            foreach (var socket in sockets.Values)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Clients_cannot_join_rooms_by_themselves()
    {
        var victim = NewUser();
        var snoop = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(snoop));
        await socket.Client.EmitAsync("join", "admins").Within();
        await socket.Client.EmitAsync("join", $"user:{victim}").Within();
        using var victimHttp = Server.ClientFor(victim);
        using var snoopHttp = Server.ClientFor(snoop);

        await victimHttp.CreateOrderAsync();
        var marker = await snoopHttp.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Should().ContainSingle();
    }

    [Test]
    public async Task An_admin_who_owns_the_order_receives_each_event_once()
    {
        var adminUser = "ops-" + Guid.NewGuid().ToString("N")[..8];
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(adminUser, admin: true));
        using var http = Server.ClientFor(adminUser, admin: true);

        using var someoneElse = Server.ClientFor(NewUser());
        var order = await http.CreateOrderAsync();
        var marker = await someoneElse.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());

        events.Select(e => e.OrderId()).Should().Equal(order.Id(), marker.Id());
    }
}
