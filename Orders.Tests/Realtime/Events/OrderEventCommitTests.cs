using System.Net;
using System.Net.Http.Json;
using System.Data.Common;
using FluentAssertions.Execution;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Realtime;
using Orders.Api.Orders;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Events;

// Events go out only after COMMIT, never for failed or rolled-back work, and in commit order per order.
public sealed class OrderEventCommitTests : OrdersServerFixture
{
    [Test]
    public async Task A_failed_save_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        // A concurrency conflict: the UPDATE matches no row, SaveChanges throws, EF rolls its transaction back.
        await using (var db = Server.NewDbContext())
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
        (await Server.ForOrderAsync(order.Id())).Select(r => r.Name).Should().Equal(["order:created"], "a failed save writes no row");
    }

    [Test]
    public async Task A_rolled_back_transaction_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using (var db = Server.NewDbContext())
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
        (await Server.ForOwnerAsync(user)).Select(r => r.Name).Should().Equal(["order:created", "order:created"], "the rolled-back rows are gone too");
    }

    // What a pooled context sees after a 409: EF ends a conflicting save without SaveChangesFailed.
    [Test]
    public async Task A_conflicting_save_emits_nothing_when_the_context_saves_again()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using (var db = Server.NewDbContext())
        {
            var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
            db.Entry(tracked).Property(o => o.Version).OriginalValue = tracked.Version + 1000;
            tracked.UpdateDetails(null, null, "conflicting", DateTimeOffset.UtcNow);
            var save = () => db.SaveChangesAsync().Within();
            await save.Should().ThrowAsync<DbUpdateConcurrencyException>();

            db.ChangeTracker.Clear();
            var fresh = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
            fresh.UpdateDetails(null, null, "saved", DateTimeOffset.UtcNow);
            await db.SaveChangesAsync().Within();
        }

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Select(e => (e.Name, e.Payload.GetProperty("order").GetProperty("notes").GetString())).Should().Equal(
            ("order:created", "leave at the door"), ("order:updated", "saved"), ("order:created", "leave at the door"));
    }

    // What a pooled context sees: the last lease disposed its transaction without COMMIT or ROLLBACK.
    [Test]
    public async Task A_transaction_disposed_uncommitted_emits_nothing_when_the_context_saves_again()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var abandoned = await http.CreateOrderAsync();
        var saved = await http.CreateOrderAsync();

        await using (var db = Server.NewDbContext())
        {
            await using (await db.Database.BeginTransactionAsync().Within())
            {
                var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(abandoned.Id())).Within();
                tracked.TryMoveTo(OrderStatus.Cancelled, DateTimeOffset.UtcNow);
                await db.SaveChangesAsync().Within();
            }

            db.ChangeTracker.Clear();
            var other = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(saved.Id())).Within();
            other.UpdateDetails(null, null, "saved after", DateTimeOffset.UtcNow);
            await db.SaveChangesAsync().Within();
        }

        var events = await socket.WaitUntilAsync(e => e.Name == "order:updated");
        using (new AssertionScope())
        {
            events.Select(e => (e.OrderId(), e.Name)).Should().Equal(
                (abandoned.Id(), "order:created"), (saved.Id(), "order:created"), (saved.Id(), "order:updated"));
            (await http.GetOrderAsync(abandoned.Id())).GetProperty("status").GetString().Should().Be("pending");
        }
    }

    [Test]
    public async Task Events_wait_for_the_enclosing_transaction_to_commit()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using var db = Server.NewDbContext();
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

    // The rows are the events: a commit whose process stalls right after COMMIT holds nobody back, and a later
    // change of the same order is sent after it, in commit order.
    [Test]
    public async Task A_change_committed_later_is_sent_after_an_earlier_commit_whose_writer_stalled()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        // The first writer commits, then stalls before the realtime interceptor sees its COMMIT.
        var hold = new HoldAfterCommit();
        var options = new DbContextOptionsBuilder<OrdersDbContext>()
            .UseNpgsql(Server.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)
            .AddInterceptors(hold);
        options.AddOrderEvents(Server.Services);
        await using var db = new OrdersDbContext(options.Options);
        await using var transaction = await db.Database.BeginTransactionAsync().Within();
        var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
        tracked.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow).Should().BeTrue();
        await db.SaveChangesAsync().Within();
        var commit = transaction.CommitAsync();
        await hold.Committed.Task.Within();

        // The second reads the committed row and cancels it through the API: it does not wait for the first writer.
        using (var response = await http.PostAsync($"/api/orders/{order.Id()}/cancel", null).Within())
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var events = await socket.WaitForAsync(4);
        using (new AssertionScope())
        {
            events.Select(e => e.Name).Should().Equal("order:created", "order:status_changed", "order:status_changed", "order:cancelled");
            events[1].Payload.GetProperty("newStatus").GetString().Should().Be("processing");
            events[2].Payload.GetProperty("newStatus").GetString().Should().Be("cancelled");
            commit.IsCompleted.Should().BeFalse("the first writer is still held after its COMMIT");
        }

        hold.Release.SetResult();
        await commit.Within();
        await Task.Delay(200);
        socket.Events.Should().HaveCount(4, "each event goes out once, whenever its writer's process gets round to it");
    }

    [Test]
    public async Task A_409_from_the_api_emits_nothing()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        using (var conflict = await Admin.ChangeStatusAsync(order.Id(), "delivered"))
        {
            conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);
        }

        var marker = await http.CreateOrderAsync();
        var events = await socket.WaitUntilAsync(e => e.OrderId() == marker.Id());
        events.Should().HaveCount(2);
    }

    [Test]
    public async Task Interleaved_contexts_each_publish_only_their_own_committed_changes()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var kept = await http.CreateOrderAsync();
        var dropped = await http.CreateOrderAsync();

        // Two contexts share the one interceptor instance and save in turns; only one of them commits.
        await using var committing = Server.NewDbContext();
        await using var rollingBack = Server.NewDbContext();
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
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));

        using (var db = Server.NewDbContext())
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
    public async Task Concurrent_writers_of_one_order_are_seen_in_commit_order()
    {
        const int Increments = 24;
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync(OrderRequests.NewOrderBody(notes: "0"));
        var committed = 0;

        // Read-modify-write under If-Match: a save only commits on top of the latest commit, so the committed
        // notes are 1, 2, 3, ... in commit order, whichever writer won each round.
        async Task WriterAsync()
        {
            using var client = Server.ClientFor(user);
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

    private sealed class HoldAfterCommit : DbTransactionInterceptor
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task TransactionCommittedAsync(
            DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Committed.TrySetResult();
            await Release.Task.WaitAsync(Bounded.Default, cancellationToken);
        }
    }
}
