using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orders.Realtime.Outbox;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Realtime.Outbox;

// Retention: events older than it go, in batches, oldest first; newer ones and live sessions stay.
public sealed class OutboxPrunerTests
{
    [Test]
    public async Task Events_past_the_retention_and_sessions_past_the_window_are_deleted_in_batches()
    {
        await using var server = await OrdersServer.StartAsync(new Dictionary<string, string?> { ["OrderEvents:PruneBatchSize"] = "3" });
        var database = server.Services.GetRequiredService<NpgsqlDataSource>();
        using var http = server.ClientFor("pruned-user");
        for (var i = 0; i < 10; i++) await http.CreateOrderAsync();

        // Seven of the ten are two days old; one recent session, one disconnected an hour ago, one of a node gone for a day.
        await using (var setup = database.CreateCommand("""
            UPDATE order_events SET created_at = now() - interval '2 days'
            WHERE position IN (SELECT position FROM order_events ORDER BY position LIMIT 7);
            INSERT INTO realtime_nodes (node_id, started_at, seen_at) VALUES ('00000000-0000-0000-0000-00000000dead', now() - interval '2 days', now() - interval '1 day');
            INSERT INTO socket_sessions (pid, namespace, socket_id, owner, rooms, start_offset, node_id, disconnected_at) VALUES
              ('recent', '/', 's1', 'u', '{user:u}', 1, '00000000-0000-0000-0000-00000000dead', now()),
              ('left-an-hour-ago', '/', 's2', 'u', '{user:u}', 1, '00000000-0000-0000-0000-00000000dead', now() - interval '1 hour'),
              ('on-a-dead-node', '/', 's3', 'u', '{user:u}', 1, '00000000-0000-0000-0000-00000000dead', NULL);
            """))
        {
            await setup.ExecuteNonQueryAsync().Within();
        }

        var newest = await ScalarAsync<long>(database, "SELECT max(position) FROM order_events");
        var deleted = await server.Services.GetRequiredService<OutboxPruner>().PruneAsync(CancellationToken.None).Within();

        using (new AssertionScope())
        {
            deleted.Should().Be(7);
            (await ScalarAsync<long>(database, "SELECT count(*) FROM order_events")).Should().Be(3);
            (await ScalarAsync<long>(database, "SELECT min(position) FROM order_events")).Should().Be(newest - 2, "the newest three stay");
            (await ScalarAsync<string>(database, "SELECT string_agg(pid, ',' ORDER BY pid) FROM socket_sessions WHERE node_id = '00000000-0000-0000-0000-00000000dead'"))
                .Should().Be("recent");
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync().Within())!;
    }
}
