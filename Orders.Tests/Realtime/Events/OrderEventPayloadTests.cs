using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Orders.Api.Orders;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Events;

// Payloads: every event with the exact shape and message the frontend handles.
public sealed class OrderEventPayloadTests : OrdersServerFixture
{
    [Test]
    public async Task Creating_an_order_emits_order_created_with_the_exact_payload()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);

        var order = await http.CreateOrderAsync();
        var events = await socket.WaitForAsync(1);

        events.Should().HaveCount(1);
        events[0].ShouldBe("order:created", await http.GetOrderAsync(order.Id()), $"Your order #{order.Number()} has been created!");
    }

    [Test]
    public async Task Each_status_move_emits_status_changed_and_delivery_also_emits_completed_in_order()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        var processing = await Admin.MoveAsync(order.Id(), "processing");
        var shipped = await Admin.MoveAsync(order.Id(), "shipped");
        var delivered = await Admin.MoveAsync(order.Id(), "delivered");

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
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
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
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        using var response = await http.PatchAsJsonAsync($"/api/orders/{order.Id()}", new { notes = "call first" }).Within();
        var updated = await response.Content.ReadFromJsonAsync<JsonElement>().Within();

        var events = await socket.WaitForAsync(2);
        events[1].ShouldBe("order:updated", updated, $"Order #{order.Number()} has been updated");
    }

    [Test]
    public async Task A_DbContext_used_directly_emits_the_same_events()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);

        Guid id;
        await using (var db = Server.NewDbContext())
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
    public async Task Orders_saved_together_each_emit_created_with_their_database_generated_number()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);

        // Two INSERTs in one SaveChanges run in EF's own transaction; the numbers come back from the database.
        await using (var db = Server.NewDbContext())
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
