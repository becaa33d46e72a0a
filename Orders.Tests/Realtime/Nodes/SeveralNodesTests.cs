using System.Net;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Api.Data;
using Orders.Protocol.SocketIO;
using Orders.Tests.Infrastructure;
using Orders.Tests.Realtime.Events;

namespace Orders.Tests.Realtime.Nodes;

// Two service instances on one database, as two nodes behind a load balancer: an order changed through one reaches the
// owner's sockets on the other, in order, woken by NOTIFY; the listener survives its connection being cut.
public sealed class SeveralNodesTests
{
    private OrdersServer _a = null!;
    private OrdersServer _b = null!;

    [OneTimeSetUp]
    public async Task StartNodesAsync()
    {
        _a = await OrdersServer.StartAsync();
        // A poll of an hour: whatever node B sends, NOTIFY woke it.
        _b = await OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = _a.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString,
            ["OrderEvents:PollInterval"] = "01:00:00",
        });
    }

    [OneTimeTearDown]
    public async Task StopNodesAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Test]
    public async Task A_change_made_through_one_node_reaches_the_owners_sockets_on_both_in_order()
    {
        var user = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        await using var onA = await OrderSocket.ConnectAsync(_a.BaseAddress, _a.Token(user));
        await using var onB = await OrderSocket.ConnectAsync(_b.BaseAddress, _b.Token(user));
        using var http = _a.ClientFor(user);
        using var admin = _a.ClientFor("ops", admin: true);
        var order = await http.CreateOrderAsync();
        foreach (var status in new[] { "processing", "shipped", "delivered" }) await admin.MoveAsync(order.Id(), status);

        var expected = new[] { "order:created", "order:status_changed", "order:status_changed", "order:status_changed", "order:completed" };
        var seenOnA = await onA.WaitForAsync(5);
        var seenOnB = await onB.WaitForAsync(5);
        await Task.Delay(200);
        using (new AssertionScope())
        {
            seenOnB.Select(e => e.Name).Should().Equal(expected);
            seenOnB.Select(e => e.Offset).Should().Equal(seenOnA.Select(e => e.Offset), "both nodes send the same rows");
            onB.Events.Should().HaveCount(5, "each event once");
        }
    }

    // A node sends its own commits as they were written and reads the others' from the table: with changes made through
    // both, each node's stream has gaps only the table fills, and both must still send every row once, in order.
    [Test]
    public async Task Changes_made_through_both_nodes_in_turn_reach_sockets_on_both_in_the_same_order()
    {
        var user = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        await using var onA = await OrderSocket.ConnectAsync(_a.BaseAddress, _a.Token(user));
        await using var onB = await OrderSocket.ConnectAsync(_b.BaseAddress, _b.Token(user));
        using var viaA = _a.ClientFor(user);
        using var viaB = _b.ClientFor(user);
        var orders = new List<string>();
        for (var i = 0; i < 10; i++) orders.Add((await (i % 2 == 0 ? viaA : viaB).CreateOrderAsync()).Id());

        var seenOnA = await onA.WaitForAsync(10);
        var seenOnB = await onB.WaitForAsync(10);
        await Task.Delay(300);
        using (new AssertionScope())
        {
            onA.Events.Select(e => e.OrderId()).Should().Equal(orders);
            onB.Events.Select(e => e.OrderId()).Should().Equal(orders);
            seenOnA.Select(e => e.Offset).Should().Equal(seenOnB.Select(e => e.Offset));
        }
    }

    [Test]
    public async Task A_socket_that_was_on_one_node_recovers_on_the_other()
    {
        var user = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        using var http = _a.ClientFor(user);
        var (ws, pid) = await RawRecovery.ConnectAsync(_a.BaseAddress, $$"""{"token":"{{_a.Token(user)}}"}""");
        var order = await http.CreateOrderAsync();
        var created = RawRecovery.Event(await ws.ReceiveAsync());
        ws.Abort();
        await Task.Delay(300);
        using var admin = _a.ClientFor("ops", admin: true);
        await admin.MoveAsync(order.Id(), "processing");

        var (back, pid2) = await RawRecovery.ConnectAsync(_b.BaseAddress, $$"""{"token":"{{_b.Token(user)}}","pid":"{{pid}}","offset":"{{created.Offset}}"}""");
        using (back)
        {
            var missed = RawRecovery.Event(await back.ReceiveAsync());
            using (new AssertionScope())
            {
                pid2.Should().Be(pid);
                (missed.Name, missed.NewStatus).Should().Be(("order:status_changed", "processing"));
                missed.Offset.Should().BeGreaterThan(created.Offset);
            }
        }
    }

    [Test]
    public async Task The_listener_reconnects_after_its_connection_is_terminated_and_nothing_is_missed_or_doubled()
    {
        var user = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        await using var onB = await OrderSocket.ConnectAsync(_b.BaseAddress, _b.Token(user));
        using var http = _a.ClientFor(user);
        var orders = new List<string>();
        for (var i = 0; i < 3; i++) orders.Add((await http.CreateOrderAsync()).Id());

        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++) orders.Add((await http.CreateOrderAsync()).Id());
        });
        await TerminateListenersAsync();
        await writes.Within();
        for (var i = 0; i < 3; i++) orders.Add((await http.CreateOrderAsync()).Id());

        var events = await onB.WaitForAsync(9, TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        using (new AssertionScope())
        {
            onB.Events.Select(e => e.OrderId()).Should().Equal(orders, "every order once, in commit order");
            (await _b.Http.GetAsync("/readyz").Within()).StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    // socket.io's adapter: application code emits on one node, room members on every node receive it (once).
    [TestCase(100, TestName = "An_ad_hoc_emit_on_one_node_reaches_room_members_on_the_others")]
    [TestCase(20_000, TestName = "An_ad_hoc_emit_too_large_for_a_notification_reaches_the_other_nodes_too")]
    public async Task Ad_hoc_emits_reach_room_members_on_every_node(int size)
    {
        var user = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        await using var onA = await OrderSocket.ConnectAsync(_a.BaseAddress, _a.Token(user));
        await using var onB = await OrderSocket.ConnectAsync(_b.BaseAddress, _b.Token(user));
        var text = new string('x', size);

        _a.Services.GetRequiredService<SocketIOServer>().Default.To($"user:{user}").Emit("promo", new { text }).Should().Be(1);

        var onOther = await onB.WaitForAsync(1);
        await onA.WaitForAsync(1);
        await Task.Delay(300);
        using (new AssertionScope())
        {
            onOther.Single().Name.Should().Be("promo");
            onOther.Single().Payload.GetProperty("text").GetString().Should().Be(text);
            onA.Events.Should().ContainSingle("the emitting node does not get its own broadcast back");
            onB.Events.Should().ContainSingle();
        }
    }

    private async Task TerminateListenersAsync()
    {
        await using var command = _a.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'");
        ((long)(await command.ExecuteScalarAsync().Within())!).Should().Be(2, "each node has one listener");
    }
}
