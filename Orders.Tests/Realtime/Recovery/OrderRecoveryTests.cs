using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Tests.Infrastructure;
using Orders.Tests.Protocol;

namespace Orders.Tests.Realtime.Recovery;

// Connection state recovery of the orders service over PostgreSQL, packet by packet over WebSocket, as
// socket.io-client 4.6+ does it: the missed events come from order_events, the session from socket_sessions.
public sealed class OrderRecoveryTests : OrdersServerFixture
{
    [Test]
    public async Task A_customer_who_comes_back_gets_the_same_socket_and_every_missed_event_in_order()
    {
        var user = NewUser();
        using var http = Server.ClientFor(user);
        var (sid, pid, offset, order) = await ConnectSeeOneOrderAndLeaveAsync(user, http);
        await Admin.MoveAsync(order, "processing");
        await Admin.MoveAsync(order, "shipped");

        using var back = await ConnectAsync($$"""{"token":"{{Server.Token(user)}}","pid":"{{pid}}","offset":"{{offset}}"}""");
        var (sid2, pid2) = ReadConnect(await back.ReceiveTextSkippingPingsAsync());
        var missed = new[] { Event(await back.ReceiveTextSkippingPingsAsync()), Event(await back.ReceiveTextSkippingPingsAsync()) };
        await Admin.MoveAsync(order, "delivered");
        var live = new[] { Event(await back.ReceiveTextSkippingPingsAsync()), Event(await back.ReceiveTextSkippingPingsAsync()) };

        using (new AssertionScope())
        {
            sid2.Should().Be(sid);
            pid2.Should().Be(pid);
            missed.Select(e => (e.Name, e.NewStatus)).Should().Equal(("order:status_changed", "processing"), ("order:status_changed", "shipped"));
            live.Select(e => e.Name).Should().Equal("order:status_changed", "order:completed");
            missed.Concat(live).Select(e => e.Offset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems().And.AllSatisfy(o => o.Should().BeGreaterThan(offset));
        }
    }

    // socket.io-client sends no offset when it received no event; the session remembers where it started.
    [Test]
    public async Task A_customer_who_received_nothing_before_dropping_recovers_everything_since_connecting()
    {
        var user = NewUser();
        using var http = Server.ClientFor(user);
        using var ws = await ConnectAsync($$"""{"token":"{{Server.Token(user)}}"}""");
        var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
        ws.Abort();
        await Task.Delay(200);
        var order = await http.CreateOrderAsync();

        using var back = await ConnectAsync($$"""{"token":"{{Server.Token(user)}}","pid":"{{pid}}"}""");
        ReadConnect(await back.ReceiveTextSkippingPingsAsync()).Sid.Should().Be(sid);
        var missed = Event(await back.ReceiveTextSkippingPingsAsync());
        (missed.Name, missed.OrderId).Should().Be(("order:created", order.Id()));
    }

    [Test]
    public async Task A_pid_with_an_expired_token_is_refused_as_any_connection_would_be()
    {
        var user = NewUser();
        using var http = Server.ClientFor(user);
        var (_, pid, offset, _) = await ConnectSeeOneOrderAndLeaveAsync(user, http);

        using var back = await ConnectAsync($$"""{"token":"{{Server.ExpiredToken(user)}}","pid":"{{pid}}","offset":"{{offset}}"}""");
        (await back.ReceiveTextSkippingPingsAsync()).Should().Be("44{\"message\":\"Authentication error: Invalid token\",\"data\":{\"reason\":\"token_expired\"}}");
    }

    [Test]
    public async Task A_pid_with_another_users_token_recovers_nothing_of_the_first_user()
    {
        var alice = NewUser();
        using var http = Server.ClientFor(alice);
        var (aliceSid, pid, offset, order) = await ConnectSeeOneOrderAndLeaveAsync(alice, http);
        await Admin.MoveAsync(order, "processing");

        var bob = NewUser();
        using var mallory = await ConnectAsync($$"""{"token":"{{Server.Token(bob)}}","pid":"{{pid}}","offset":"{{offset}}"}""");
        var (sid, _) = ReadConnect(await mallory.ReceiveTextSkippingPingsAsync());
        using var bobs = Server.ClientFor(bob);
        var bobsOrder = await bobs.CreateOrderAsync();

        using (new AssertionScope())
        {
            sid.Should().NotBe(aliceSid);
            Event(await mallory.ReceiveTextSkippingPingsAsync()).OrderId.Should().Be(bobsOrder.Id(), "alice's missed event is never replayed to bob");
        }
    }

    [Test]
    public async Task An_admin_socket_recovers_every_users_events_after_its_offset()
    {
        using var admin = await ConnectAsync($$"""{"token":"{{Server.Token("ops-recovering", admin: true)}}"}""");
        var (sid, pid) = ReadConnect(await admin.ReceiveTextSkippingPingsAsync());
        using var carol = Server.ClientFor(NewUser());
        var seen = Event(await ReceiveAfterAsync(admin, () => carol.CreateOrderAsync()));
        admin.Abort();
        await Task.Delay(200);

        using var dave = Server.ClientFor(NewUser());
        var daves = await dave.CreateOrderAsync();
        var carols = await carol.CreateOrderAsync();

        using var back = await ConnectAsync($$"""{"token":"{{Server.Token("ops-recovering", admin: true)}}","pid":"{{pid}}","offset":"{{seen.Offset}}"}""");
        ReadConnect(await back.ReceiveTextSkippingPingsAsync()).Sid.Should().Be(sid);
        var missed = new List<RawEvent>();
        while (missed.Count < 2 || missed[^1].OrderId != carols.Id()) missed.Add(Event(await back.ReceiveTextSkippingPingsAsync()));
        missed.Select(e => e.OrderId).Should().ContainInOrder(daves.Id(), carols.Id());
    }

    private async Task<(string Sid, string Pid, long Offset, string OrderId)> ConnectSeeOneOrderAndLeaveAsync(string user, HttpClient http)
    {
        using var ws = await ConnectAsync($$"""{"token":"{{Server.Token(user)}}"}""");
        var (sid, pid) = ReadConnect(await ws.ReceiveTextSkippingPingsAsync());
        pid.Should().NotBeNull("recovery is on in the orders service");
        JsonElement order = default;
        var created = Event(await ReceiveAfterAsync(ws, async () => order = await http.CreateOrderAsync()));
        ws.Abort();
        // Long enough for the server to notice and store the session as disconnected.
        await Task.Delay(200);
        return (sid, pid!, created.Offset, order.Id());
    }

    private static async Task<string> ReceiveAfterAsync(ClientWebSocket ws, Func<Task> action)
    {
        await action();
        return await ws.ReceiveTextSkippingPingsAsync();
    }

    private Task<ClientWebSocket> ConnectAsync(string auth) => RawRecovery.OpenAsync(Server.BaseAddress, auth);

    private static (string Sid, string? Pid) ReadConnect(string packet) => RawRecovery.ReadConnect(packet);

    private static RawEvent Event(string packet) => RawRecovery.Event(packet);
}
