using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Orders.Tests.Infrastructure;

internal sealed record OutboxRow(long Position, string OwnerId, string Name, string Payload);

// The rows of order_events, read straight from the service's database.
internal static class OutboxRows
{
    public static Task<List<OutboxRow>> ForOrderAsync(this OrdersServer server, string orderId) =>
        ReadAsync(server, "order_id", new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(orderId) });

    public static Task<List<OutboxRow>> ForOwnerAsync(this OrdersServer server, string ownerId) =>
        ReadAsync(server, "owner_id", new NpgsqlParameter<string> { TypedValue = ownerId });

    private static async Task<List<OutboxRow>> ReadAsync(OrdersServer server, string column, NpgsqlParameter value)
    {
        await using var command = server.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            $"SELECT position, owner_id, name, payload FROM order_events WHERE {column} = $1 ORDER BY position");
        command.Parameters.Add(value);
        await using var reader = await command.ExecuteReaderAsync().Within();
        var rows = new List<OutboxRow>();
        while (await reader.ReadAsync().Within()) rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return rows;
    }
}
