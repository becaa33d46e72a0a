using System.Data.Common;
using System.Text.Json;
using FluentAssertions.Execution;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Api.Data;
using Orders.Api.Orders;
using Orders.Protocol.SocketIO.Recovery;
using Orders.Realtime;
using Orders.Tests.Infrastructure;
using Orders.Tests.Realtime.Events;

namespace Orders.Tests.Realtime.Outbox;

// The transactional outbox on real PostgreSQL: an event is a row iff its change committed, what a client receives is
// that row (payload and position), and positions follow commit order.
public sealed class OrderEventOutboxTests : OrdersServerFixture
{
    private NpgsqlDataSource Database => Server.Services.GetRequiredService<NpgsqlDataSource>();

    [Test]
    public async Task Each_committed_event_is_a_row_whose_payload_and_position_are_what_the_client_receives()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();
        await Admin.MoveAsync(order.Id(), "processing");

        var events = await socket.WaitForAsync(2);
        var rows = await Server.ForOrderAsync(order.Id());
        using (new AssertionScope())
        {
            rows.Select(r => r.Name).Should().Equal("order:created", "order:status_changed");
            rows.Select(r => r.OwnerId).Should().AllBe(user);
            rows.Select(r => r.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(events.Select(e => e.Offset));
            rows.Select(r => r.Payload).Should().Equal(events.Select(e => e.Payload.GetRawText()), "the row holds the exact text that goes on the wire");
            rows[1].Position.Should().BeGreaterThan(rows[0].Position);
        }
    }

    [Test]
    public async Task A_failed_save_writes_no_row_and_leaves_the_context_usable()
    {
        var user = NewUser();
        using var http = Server.ClientFor(user);
        var order = await http.CreateOrderAsync();

        await using (var db = Server.NewDbContext())
        {
            var tracked = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(order.Id())).Within();
            db.Entry(tracked).Property(o => o.Version).OriginalValue = tracked.Version + 1000;
            tracked.TryMoveTo(OrderStatus.Processing, DateTimeOffset.UtcNow);
            var save = () => db.SaveChangesAsync().Within();
            await save.Should().ThrowAsync<DbUpdateConcurrencyException>();
            db.Database.CurrentTransaction.Should().BeNull("the transaction the save opened is gone with it");

            db.Entry(tracked).Property(o => o.Version).OriginalValue = tracked.Version;
            await db.SaveChangesAsync().Within();
        }

        (await Server.ForOrderAsync(order.Id())).Select(r => r.Name).Should().Equal("order:created", "order:status_changed");
    }

    [Test]
    public void A_synchronous_save_writes_its_rows_too()
    {
        var user = NewUser();
        using var db = Server.NewDbContext();
        var order = Order.Create(user, [new OrderItem("S", "N", 1, 1m)], "USD", "addr", null, DateTimeOffset.UtcNow);
        db.Orders.Add(order);
        db.SaveChanges();

        Server.ForOrderAsync(order.Id.ToString()).GetAwaiter().GetResult().Select(r => r.Name).Should().Equal("order:created");
    }

    // The hazard: positions come from a sequence at insert, transactions commit in another order. Here the first
    // writer has taken its position and stalls before its COMMIT (a test trigger on its row waits for a lock the test
    // holds); a second change cannot take the next position, or commit, until the first ends, so no reader can see a
    // higher position while a lower one is still to come. Both reach the client in position order, and a recovery
    // from before them replays both in that order. Without the outbox's lock the second would be delivered first and
    // the first, committing later with the lower position, passed by the feed for ever.
    [Test]
    public async Task A_writer_that_took_a_position_holds_later_writers_until_it_commits_so_no_reader_passes_it()
    {
        var user = NewUser();
        await using var socket = await OrderSocket.ConnectAsync(Server.BaseAddress, Server.Token(user));
        using var http = Server.ClientFor(user);
        var first = await http.CreateOrderAsync();
        var second = await http.CreateOrderAsync();
        var before = long.Parse((await socket.WaitForAsync(2))[^1].Offset!, System.Globalization.CultureInfo.InvariantCulture);

        await ExecuteAsync($$"""
            CREATE FUNCTION stall_first_writer() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
                IF NEW.order_id = '{{first.Id()}}' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;
                RETURN NEW;
            END $f$;
            CREATE TRIGGER stall_first_writer AFTER INSERT ON order_events FOR EACH ROW EXECUTE FUNCTION stall_first_writer();
            """);
        try
        {
            await using var gate = await Database.OpenConnectionAsync().AsTask().Within();
            await using var holding = await gate.BeginTransactionAsync().AsTask().Within();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(4242)", gate, holding))
            {
                await take.ExecuteNonQueryAsync().Within();
            }

            var earlier = Admin.MoveAsync(first.Id(), "processing");
            await WaitUntilAsync("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted");
            var later = Admin.MoveAsync(second.Id(), "processing");
            await Task.Delay(500);
            using (new AssertionScope())
            {
                earlier.IsCompleted.Should().BeFalse("the first writer has taken its position and waits before COMMIT");
                later.IsCompleted.Should().BeFalse("the later change waits for the earlier writer's position to be settled");
                socket.Events.Should().HaveCount(2, "nothing after the held position reaches the client");
            }

            await holding.RollbackAsync().Within();
            await earlier;
            await later;
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER stall_first_writer ON order_events; DROP FUNCTION stall_first_writer();");
        }

        var events = await socket.WaitForAsync(4);
        var replay = await Server.Services.GetRequiredService<IConnectionStateStore>()
            .ReadMissedAsync("/", [$"user:{user}"], before, CancellationToken.None).AsTask().Within();

        using (new AssertionScope())
        {
            events.Skip(2).Select(e => e.OrderId()).Should().Equal(first.Id(), second.Id());
            var offsets = events.Skip(2).Select(e => long.Parse(e.Offset!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            offsets.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            replay.Should().NotBeNull();
            replay!.Select(e => e.Offset).Should().Equal(offsets, "a recovery replays the same rows in the same order");
        }
    }

    [Test]
    public async Task Recovery_reads_one_users_events_through_the_owner_index_not_everyones()
    {
        await using (var fill = Database.CreateCommand("""
            INSERT INTO order_events (position, owner_id, order_id, name, payload, created_at)
            SELECT nextval('order_event_position_seq'), 'someone-' || (g % 500), gen_random_uuid(), 'order:updated', '{}', now()
            FROM generate_series(1, 20000) g;
            ANALYZE order_events;
            """))
        {
            await fill.ExecuteNonQueryAsync().Within();
        }

        await using var explain = Database.CreateCommand(
            "EXPLAIN SELECT position, name, payload FROM order_events WHERE owner_id = ANY($1) AND position > $2 ORDER BY position LIMIT $3");
        explain.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["someone-7"] });
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        explain.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 10001 });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync().Within())
        {
            while (await reader.ReadAsync().Within()) plan.Add(reader.GetString(0));
        }

        string.Join('\n', plan).Should().Contain("ix_order_events_owner_id_position").And.NotContain("Seq Scan");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync().Within();
    }

    private async Task WaitUntilAsync(string countSql)
    {
        using var deadline = new CancellationTokenSource(Bounded.Default);
        while (true)
        {
            await using var command = Database.CreateCommand(countSql);
            if ((long)(await command.ExecuteScalarAsync(deadline.Token))! > 0) return;
            await Task.Delay(20, deadline.Token);
        }
    }
}
