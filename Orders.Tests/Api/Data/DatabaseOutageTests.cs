using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orders.Realtime.Publishing;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Api.Data;

// PostgreSQL killed (pg_ctl stop -m immediate) under a running service with a connected socket, then started again on
// the same data directory and port: its own throwaway cluster, since the shared one must stay up for everyone else.
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromMilliseconds(400);

    private PostgresCluster _cluster = null!;
    private OrdersServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await PostgresCluster.StartAsync(durableCommits: true).WaitAsync(TimeSpan.FromSeconds(90));
        _server = await OrdersServer.StartAsync(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = _cluster.ConnectionString("orders_outage"),
            ["SocketIO:EngineIO:PingInterval"] = PingInterval.ToString(),
            ["SocketIO:EngineIO:PingTimeout"] = "00:00:01",
            // Long enough that a row committed without a notification is still unread when the database goes.
            ["OrderEvents:PollInterval"] = "00:00:05",
            ["OrderEvents:MaxRetryDelay"] = "00:00:02",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Test]
    public async Task An_outage_answers_503_keeps_sockets_connected_and_loses_no_committed_event()
    {
        var user = "outage-" + Guid.NewGuid().ToString("N")[..8];
        using var http = _server.ClientFor(user);
        using var admin = _server.ClientFor("ops", admin: true);
        await using var socket = await OrderSocket.ConnectAsync(_server.BaseAddress, _server.Token(user));
        var disconnects = new List<string>();
        socket.Client.OnDisconnected += (_, reason) => disconnects.Add(reason);
        var id = (await http.CreateOrderAsync()).Id();
        await socket.WaitForAsync(1);

        // Committed just before the stop: one through the service (sent at once), one as another node's row whose
        // notification never came (this node reads it only from the table, which is gone a moment later).
        await admin.MoveAsync(id, "processing");
        await CommitForeignRowAsync(id);
        await _cluster.StopImmediatelyAsync().Within(TimeSpan.FromSeconds(40));

        using var get = await http.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative)).Within();
        using var patch = await http.PatchAsJsonAsync($"/api/orders/{id}", new { notes = "during the outage" }).Within();
        var getProblem = await get.Content.ReadFromJsonAsync<JsonElement>().Within();
        using var ready = await _server.Http.GetAsync(new Uri("/readyz", UriKind.Relative)).Within();
        await Task.Delay(PingInterval * 5);
        using (new AssertionScope())
        {
            get.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            get.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            get.Headers.RetryAfter.Should().NotBeNull();
            getProblem.GetProperty("title").GetString().Should().Be("Database unavailable");
            patch.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            patch.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            socket.Client.Connected.Should().BeTrue("Engine.IO heartbeats need no database");
            disconnects.Should().BeEmpty();
        }

        await _cluster.StartServerAsync().Within(TimeSpan.FromSeconds(70));
        await WaitUntilReadyAsync();
        await admin.MoveAsync(id, "shipped");

        await socket.WaitUntilAsync(e => e.Name == "order:status_changed" && e.Payload.GetProperty("newStatus").GetString() == "shipped", TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        var events = socket.Events;
        using (new AssertionScope())
        {
            events.Select(e => e.Name).Should().Equal("order:created", "order:status_changed", "order:updated", "order:status_changed");
            events.Select(e => long.Parse(e.Offset!, System.Globalization.CultureInfo.InvariantCulture)).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            disconnects.Should().BeEmpty();
        }
    }

    // The feed's failed read must not count as a read: it once skipped the table on its next turn, "succeeded", said it
    // had caught up and turned ready again, every poll interval for as long as the outage lasted.
    [Test]
    public async Task While_the_database_is_down_the_event_feed_stays_not_ready_and_comes_back_after()
    {
        var feed = _server.Services.GetRequiredService<OrderEventFeed>();
        await _cluster.StopImmediatelyAsync().Within(TimeSpan.FromSeconds(40));
        try
        {
            await UntilAsync(() => !feed.IsReading, TimeSpan.FromSeconds(15), "the feed notices the outage");
            var flapped = false;
            for (var end = DateTime.UtcNow.AddSeconds(7); DateTime.UtcNow < end && !flapped; await Task.Delay(50)) flapped = feed.IsReading;
            flapped.Should().BeFalse("nothing can be read while the database is down");
        }
        finally
        {
            await _cluster.StartServerAsync().Within(TimeSpan.FromSeconds(70));
        }

        await UntilAsync(() => feed.IsReading, TimeSpan.FromSeconds(15), "the feed reads again");
        await WaitUntilReadyAsync();
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        for (var end = DateTime.UtcNow + timeout; !condition(); await Task.Delay(50))
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"Not within {timeout}: {what}.");
        }
    }

    // A row as another node commits it (position under the outbox's lock), without the NOTIFY that would wake this one.
    private async Task CommitForeignRowAsync(string orderId)
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("orders_outage"));
        await connection.OpenAsync().Within();
        await using var transaction = await connection.BeginTransactionAsync().AsTask().Within();
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock('order_events'::regclass::oid::bigint)", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync().Within();
        }

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO order_events (position, owner_id, order_id, name, payload, created_at)
            SELECT nextval('order_event_position_seq'), owner_id, order_id, 'order:updated', payload, now()
            FROM order_events WHERE order_id = $1 ORDER BY position DESC LIMIT 1
            """,
            connection,
            transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(orderId) });
        (await insert.ExecuteNonQueryAsync().Within()).Should().Be(1);
        await transaction.CommitAsync().Within();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var ready = await _server.Http.GetAsync(new Uri("/readyz", UriKind.Relative), deadline.Token);
            if (ready.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(200, deadline.Token);
        }
    }
}
