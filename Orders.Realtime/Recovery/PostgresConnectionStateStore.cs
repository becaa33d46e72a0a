using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Protocol.SocketIO.Recovery;
using Orders.Realtime.Events;
using Orders.Realtime.Rooms;

namespace Orders.Realtime.Recovery;

// Connection state recovery over PostgreSQL: sessions in socket_sessions (written by SessionWriter), missed events
// straight from order_events, the rows the feed sends live. Both survive a restart and are shared by every node.
// Only the main namespace carries order events; ad-hoc emits are not recorded (they are not durable).
internal sealed class PostgresConnectionStateStore(NpgsqlDataSource database, SessionWriter writer, IOptions<OrderEventsOptions> options)
    : IConnectionStateStore
{
    private const string MainNamespace = "/";

    // A session its node never closed (a crash) counts as disconnected since that node was last seen; one whose node
    // is long gone too, as disconnected for ever.
    private const string FindSql = """
        SELECT s.namespace, s.socket_id, s.owner, s.rooms, s.start_offset,
               coalesce(s.disconnected_at, n.seen_at)
        FROM socket_sessions s LEFT JOIN realtime_nodes n ON n.node_id = s.node_id
        WHERE s.pid = $1
        """;

    // The newest position ever taken, and the oldest still kept: an offset past the first is unknown, and one before the
    // second may have lost events to pruning.
    private const string BoundsSql = """
        SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM order_event_position_seq),
               (SELECT min(position) FROM order_events)
        """;

    // The index (owner_id, position) serves this: a recovery reads its own user's events only.
    private const string MissedByOwnerSql = """
        SELECT position, name, payload FROM order_events
        WHERE owner_id = ANY($1) AND position > $2 ORDER BY position LIMIT $3
        """;

    private const string MissedAllSql = "SELECT position, name, payload FROM order_events WHERE position > $1 ORDER BY position LIMIT $2";

    public long? Append(string @namespace, string eventName, ReadOnlySpan<object?> args, IReadOnlyList<string> rooms, IReadOnlyList<string> except) => null;

    public ValueTask SaveSessionAsync(RecoverableSession session, CancellationToken cancellationToken)
    {
        writer.Save(session);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveSessionAsync(string pid, CancellationToken cancellationToken)
    {
        writer.Remove(pid);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<RecoverableSession?> FindSessionAsync(string pid, CancellationToken cancellationToken)
    {
        if (writer.Pending.TryGetValue(pid, out var pending)) return pending;

        await using var command = database.CreateCommand(FindSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new RecoverableSession(
            pid,
            reader.GetString(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetFieldValue<string[]>(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.IsDBNull(5) ? DateTimeOffset.MinValue : reader.GetFieldValue<DateTimeOffset>(5));
    }

    public async ValueTask<IReadOnlyList<MissedEvent>?> ReadMissedAsync(
        string @namespace, IReadOnlyCollection<string> rooms, long afterOffset, CancellationToken cancellationToken)
    {
        if (!await IsKeptAsync(afterOffset, cancellationToken).ConfigureAwait(false)) return null;

        var admin = rooms.Contains(OrderRooms.Admins);
        var owners = rooms.Where(r => r.StartsWith(OrderRooms.UserPrefix, StringComparison.Ordinal)).Select(r => r[OrderRooms.UserPrefix.Length..]).ToArray();
        if (@namespace != MainNamespace || (!admin && owners.Length == 0)) return [];

        // One more than allowed: a socket that missed too many starts fresh and refetches, rather than waiting for them.
        var max = options.Value.MaxRecoveredEvents;
        await using var command = database.CreateCommand(admin ? MissedAllSql : MissedByOwnerSql);
        if (!admin) command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = owners });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterOffset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        List<MissedEvent> missed = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            using var payload = JsonDocument.Parse(reader.GetString(2));
            missed.Add(new MissedEvent(reader.GetInt64(0), reader.GetString(1), [payload.RootElement.Clone()]));
        }

        return missed.Count > max ? null : missed;
    }

    private async Task<bool> IsKeptAsync(long afterOffset, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(BoundsSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var newest = reader.GetInt64(0);
        var oldestKept = reader.IsDBNull(1) ? newest + 1 : reader.GetInt64(1);
        return afterOffset <= newest && afterOffset >= oldestKept - 1;
    }
}
