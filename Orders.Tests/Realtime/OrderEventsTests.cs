using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Microsoft.EntityFrameworkCore;
using Orders.Api.Orders;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime;

public sealed class OrderEventsTests
{
    private OrdersServer _server = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await OrdersServer.StartAsync();
        _admin = _server.ClientFor("ops", admin: true);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _admin.Dispose();
        await _server.DisposeAsync();
    }

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    [Test]
    public async Task Creating_an_order_emits_order_created_with_the_exact_payload()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);

        var order = await http.CreateOrderAsync();
        var events = await socket.WaitForAsync(1);

        events.Should().HaveCount(1);
        events[0].ShouldBe("order:created", await http.GetOrderAsync(order.Id()), $"Your order #{order.Number()} has been created!");
    }

    [Test]
    public async Task Each_status_move_emits_status_changed_and_delivery_also_emits_completed_in_order()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        var processing = await _admin.MoveAsync(order.Id(), "processing");
        var shipped = await _admin.MoveAsync(order.Id(), "shipped");
        var delivered = await _admin.MoveAsync(order.Id(), "delivered");

        var events = await socket.WaitForAsync(5);
        var n = order.Number();
        using (new AssertionScope())
        {
            events.Select(e => e.Name).Should().Equal(
                "order:created", "order:status_changed", "order:status_changed", "order:status_changed", "order:completed");
            events[1].ShouldBe("order:status_changed", processing, $"Order #{n} status updated to processing", "pending", "processing");
            events[2].ShouldBe("order:status_changed", shipped, $"Order #{n} status updated to shipped", "processing", "shipped");
            events[3].ShouldBe("order:status_changed", delivered, $"Order #{n} status updated to delivered", "shipped", "delivered");
            events[4].ShouldBe("order:completed", delivered, $"Order #{n} has been delivered!");
        }
    }

    [Test]
    public async Task Cancelling_emits_status_changed_then_cancelled()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        using var response = await http.CancelAsync(order.Id());
        var cancelled = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        var events = await socket.WaitForAsync(3);
        using (new AssertionScope())
        {
            events.Select(e => e.Name).Should().Equal("order:created", "order:status_changed", "order:cancelled");
            events[1].ShouldBe("order:status_changed", cancelled, $"Order #{order.Number()} status updated to cancelled", "pending", "cancelled");
            events[2].ShouldBe("order:cancelled", cancelled, $"Order #{order.Number()} has been cancelled");
        }
    }

    [Test]
    public async Task Editing_details_emits_order_updated()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        using var response = await http.PatchAsJsonAsync($"/api/orders/{order.Id()}", new { notes = "call first" }).Within();
        var updated = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        var events = await socket.WaitForAsync(2);
        events[1].ShouldBe("order:updated", updated, $"Order #{order.Number()} has been updated");
    }

    [Test]
    public async Task Every_user_receives_exactly_their_own_events_and_admins_receive_all()
    {
        var random = new Random(20261125);
        var users = Enumerable.Range(0, 6).Select(_ => NewUser()).ToArray();
        await using var admin = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token("ops-" + Guid.NewGuid(), admin: true));
        var sockets = new Dictionary<string, OrderSocket>();
        var expected = users.ToDictionary(u => u, _ => new List<(string OrderId, string Name)>());
        try
        {
            foreach (var user in users)
            {
                // Half over polling, half over WebSocket: rooms do not care about the transport.
                sockets[user] = await OrderSocket.ConnectAsync(
                    _server.BaseAddress, _server.Token(user),
                    sockets.Count % 2 == 0 ? SocketIOClient.Transport.TransportProtocol.WebSocket : SocketIOClient.Transport.TransportProtocol.Polling);
            }

            foreach (var user in users)
            {
                using var http = _server.ClientFor(user);
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var order = await http.CreateOrderAsync();
                    expected[user].Add((order.Id(), "order:created"));
                    if (random.Next(2) == 0)
                    {
                        await _admin.MoveAsync(order.Id(), "processing");
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
    public async Task A_failed_save_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        // A concurrency conflict: the UPDATE matches no row, SaveChanges throws, EF rolls its transaction back.
        await using (var db = _server.NewDbContext())
        {
            var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
            db.Entry(tracked).Property(o => o.Version).OriginalValue = tracked.Version + 1000;
            tracked.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow).Should().BeTrue();
            var save = () => db.SaveChangesAsync().Within();
            await save.Should().ThrowAsync<DbUpdateConcurrencyException>();
        }

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Select(e => (e.OrderId(), e.Name)).Should().Equal((order.Id(), "order:created"), (marker.Id(), "order:created"));
    }

    [Test]
    public async Task A_rolled_back_transaction_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using (var db = _server.NewDbContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync().Within();
            var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
            tracked.TryMoveTo(OrderStatus.Cancelled, DateTimeOffset.UtcNow);
            db.Orders.Add(Order.Create(user, [new OrderItem("S", "N", 1, 1m)], "USD", "addr", null, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync().Within();
            await transaction.RollbackAsync().Within();
        }

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Select(e => e.Name).Should().Equal("order:created", "order:created");
        (await http.GetOrderAsync(order.Id())).GetProperty("status").GetString().Should().Be("pending");
    }

    [Test]
    public async Task Events_wait_for_the_enclosing_transaction_to_commit()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using var db = _server.NewDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync().Within();
        var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
        tracked.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync().Within();
        tracked.TryMoveTo(OrderStatus.Shipped, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync().Within();

        // Another order's event gets through while the transaction is open; this order's do not.
        var marker = await http.CreateOrderAsync();
        var beforeCommit = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        beforeCommit.Select(e => e.OrderId()).Should().Equal(order.Id(), marker.Id());

        await transaction.CommitAsync().Within();
        var events = await socket.WaitForAsync(4);
        using (new AssertionScope())
        {
            events.Skip(2).Select(e => e.Name).Should().Equal("order:status_changed", "order:status_changed");
            events[2].Payload.GetProperty("newStatus").GetString().Should().Be("processing");
            events[3].Payload.GetProperty("newStatus").GetString().Should().Be("shipped");
        }
    }

    [Test]
    public async Task A_DbContext_used_directly_emits_the_same_events()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);

        Guid id;
        await using (var db = _server.NewDbContext())
        {
            var order = Order.Create(user, [new OrderItem("BATCH-1", "Imported", 4, 2.25m)], "USD", "Warehouse 7", "import", DateTimeOffset.UtcNow);
            db.Orders.Add(order);
            await db.SaveChangesAsync().Within();
            id = order.Id;
            order.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync().Within();
        }

        var events = await socket.WaitForAsync(2);
        var current = await http.GetOrderAsync(id.ToString());
        using (new AssertionScope())
        {
            events[0].Name.Should().Be("order:created");
            events[0].Payload.GetProperty("order").GetProperty("status").GetString().Should().Be("pending");
            events[1].ShouldBe("order:status_changed", current, $"Order #{current.Number()} status updated to processing", "pending", "processing");
        }
    }

    [Test]
    public async Task Clients_cannot_join_rooms_by_themselves()
    {
        var victim = NewUser();
        var snoop = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(snoop));
        await socket.Client.EmitAsync("join", "admins").Within();
        await socket.Client.EmitAsync("join", $"user:{victim}").Within();
        using var victimHttp = _server.ClientFor(victim);
        using var snoopHttp = _server.ClientFor(snoop);

        await victimHttp.CreateOrderAsync();
        var marker = await snoopHttp.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Should().ContainSingle();
    }

    [Test]
    public async Task A_409_from_the_api_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        using (var conflict = await _admin.ChangeStatusAsync(order.Id(), "delivered"))
        {
            conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);
        }

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Should().HaveCount(2);
    }

    [Test]
    public async Task Concurrent_writers_of_one_order_are_seen_in_commit_order()
    {
        const int Increments = 24;
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var order = await http.CreateOrderAsync(OrderRequests.NewOrderBody(notes: "0"));
        var committed = 0;

        // Read-modify-write under If-Match: a save only commits on top of the latest commit, so the committed
        // notes are 1, 2, 3, ... in commit order, whichever writer won each round.
        async Task WriterAsync()
        {
            using var client = _server.ClientFor(user);
            while (Volatile.Read(ref committed) < Increments)
            {
                var current = await client.GetOrderAsync(order.Id());
                var next = int.Parse(current.GetProperty("notes").GetString()!, System.Globalization.CultureInfo.InvariantCulture) + 1;
                if (next > Increments)
                {
                    return;
                }

                using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/orders/{order.Id()}")
                {
                    Content = JsonContent.Create(new { notes = next.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                };
                request.Headers.TryAddWithoutValidation("If-Match", $"\"{current.GetProperty("version").GetUInt32()}\"");
                using var response = await client.SendAsync(request).Within();
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref committed);
                }
                else
                {
                    response.StatusCode.Should().Be(HttpStatusCode.Conflict);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(WriterAsync))).Within(TimeSpan.FromSeconds(60));
        var events = await socket.WaitForAsync(1 + Increments);

        events.Skip(1).Select(e => e.Payload.GetProperty("order").GetProperty("notes").GetString())
            .Should().Equal(Enumerable.Range(1, Increments).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task Interleaved_contexts_each_publish_only_their_own_committed_changes()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);
        var kept = await http.CreateOrderAsync();
        var dropped = await http.CreateOrderAsync();

        // Two contexts share the one interceptor instance and save in turns; only one of them commits.
        await using var committing = _server.NewDbContext();
        await using var rollingBack = _server.NewDbContext();
        await using var commitTx = await committing.Database.BeginTransactionAsync().Within();
        await using var rollbackTx = await rollingBack.Database.BeginTransactionAsync().Within();
        var a = await committing.Orders.SingleAsync(o => o.Id == Guid.Parse(kept.Id())).Within();
        var b = await rollingBack.Orders.SingleAsync(o => o.Id == Guid.Parse(dropped.Id())).Within();
        a.UpdateDetails(null, null, "first save", DateTimeOffset.UtcNow);
        b.TryMoveTo(OrderStatus.Cancelled, DateTimeOffset.UtcNow);
        await committing.SaveChangesAsync().Within();
        await rollingBack.SaveChangesAsync().Within();
        a.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow);
        await committing.SaveChangesAsync().Within();
        await rollbackTx.RollbackAsync().Within();
        await commitTx.CommitAsync().Within();

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Skip(2).Select(e => (e.OrderId(), e.Name)).Should().Equal(
            (kept.Id(), "order:updated"), (kept.Id(), "order:status_changed"), (marker.Id(), "order:created"));
    }

    [Test]
    public async Task Synchronous_SaveChanges_publishes_after_commit_too()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));

        using (var db = _server.NewDbContext())
        {
            var order = Order.Create(user, [new OrderItem("SYNC-1", "Sync", 1, 5m)], "USD", "Dock 1", null, DateTimeOffset.UtcNow);
            db.Orders.Add(order);
            db.SaveChanges();
            using var transaction = db.Database.BeginTransaction();
            order.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow);
            db.SaveChanges();
            transaction.Commit();
        }

        var events = await socket.WaitForAsync(2);
        events.Select(e => e.Name).Should().Equal("order:created", "order:status_changed");
    }

    [Test]
    public async Task Orders_saved_together_each_emit_created_with_their_database_generated_number()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        using var http = _server.ClientFor(user);

        // Two INSERTs in one SaveChanges run in EF's own transaction; the numbers come back from the database.
        await using (var db = _server.NewDbContext())
        {
            db.Orders.AddRange(
                Order.Create(user, [new OrderItem("A", "First", 1, 1m)], "USD", "Dock 1", null, DateTimeOffset.UtcNow),
                Order.Create(user, [new OrderItem("B", "Second", 1, 2m)], "USD", "Dock 2", null, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync().Within();
        }

        var events = await socket.WaitForAsync(2);
        foreach (var received in events)
        {
            var current = await http.GetOrderAsync(received.OrderId());
            received.ShouldBe("order:created", current, $"Your order #{current.Number()} has been created!");
        }
    }
}
