using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Cluster;
using Orders.Realtime.Events;

namespace Orders.Realtime.Outbox;

// Writes a change's events as rows of order_events in the transaction of the change itself and commits it, in one
// batch (one round trip): an event exists if and only if its change committed (a rollback takes the rows with it, and
// when a COMMIT's answer is lost, the rows say whether it happened).
//
// Positions follow commit order. A sequence alone would not: values are taken at insert, transactions commit in
// another order, and a reader asking for "position > last seen" could pass a row that commits later with a lower
// position. So the writer takes a transaction-scoped advisory lock before it takes its positions, and holds it until
// its COMMIT (or ROLLBACK) ends: a transaction can take position P+1 only after the holder of P has finished, which
// means once P+1 is visible, every lower position is either visible too or never will be. A reader that reads
// "position > last delivered" in position order therefore never skips a row, on any node, without a horizon to wait
// for. The price is that event-writing commits are serialised from their INSERT to the end of their COMMIT. That span
// is kept inside the server: lock, INSERT, NOTIFY and COMMIT go in one batch, so no round trip to a busy service
// (whose COMMIT might wait for a CPU) is ever inside it, only the statements and the WAL flush. (With COMMIT sent on
// its own, the benchmark at 1,000 changes/s found the lock's holder idle in transaction, waiting for the service,
// 37-39% of the time, and could keep only 750-770 changes/s.)
// Rejected: a transaction-id horizon (pg_snapshot_xmin) orders by transaction id, not commit, so two changes of one
// order could be replayed out of commit order, and every open writing transaction in the cluster holds delivery back;
// logical decoding needs wal_level=logical and a replication slot per node.
//
// Each writing transaction also sends NOTIFY on OrderEventChannel with its node's id, delivered to every listening
// node at COMMIT: the wake-up of the other nodes' feeds (the rows stay the truth; a missed notification only waits for
// the next poll). The writing node's own feed was woken by the commit already and ignores its own notifications.
// PostgreSQL serialises notifying commits with a lock of its own, held over the same span as the advisory lock above,
// so the notification adds the queue write and nothing to the serialised span.
internal sealed partial class OrderEventOutbox(SocketIOServer server, RealtimeNode node, ILogger<OrderEventOutbox> logger)
{
    public const string OrderEventChannel = "order_events";

    private const string NotifySql = "SELECT pg_notify('" + OrderEventChannel + "', $1)";

    private const string CommitSql = "COMMIT";

    private const string LockSql = "SELECT pg_advisory_xact_lock('order_events'::regclass::oid::bigint)";

    private const string InsertSql = """
        INSERT INTO order_events (position, owner_id, order_id, name, payload, created_at)
        SELECT nextval('order_event_position_seq'), e.owner_id, e.order_id, e.name, e.payload::json, e.created_at
        FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY AS e(owner_id, order_id, name, payload, created_at, n)
        ORDER BY e.n
        RETURNING position
        """;

    // Returns the rows as committed, for the feed to send without reading them back. Npgsql sees the transaction end
    // from the server's answer; the caller then disposes its transaction object (the interceptor suppresses EF's own
    // COMMIT). Every result is read, so a failed COMMIT throws here and nothing is returned.
    public IReadOnlyList<CommittedEvent> WriteAndCommit(DbTransaction transaction, IReadOnlyList<OrderEvent> events)
    {
        using var batch = CreateBatch(transaction, events, out var payloads);
        using var reader = batch.ExecuteReader();
        var positions = new List<long>(events.Count);
        do
        {
            while (reader.Read())
            {
                if (reader.GetName(0) == "position") positions.Add(reader.GetInt64(0));
            }
        }
        while (reader.NextResult());

        return Committed(events, payloads, positions);
    }

    public async Task<IReadOnlyList<CommittedEvent>> WriteAndCommitAsync(DbTransaction transaction, IReadOnlyList<OrderEvent> events)
    {
        // Not cancellable: once the change is saved, its events must be written with it or the commit must fail.
        await using var batch = CreateBatch(transaction, events, out var payloads);
        await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        var positions = new List<long>(events.Count);
        do
        {
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (reader.GetName(0) == "position") positions.Add(reader.GetInt64(0));
            }
        }
        while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false));

        return Committed(events, payloads, positions);
    }

    private static CommittedEvent[] Committed(IReadOnlyList<OrderEvent> events, string[] payloads, List<long> positions)
    {
        if (positions.Count != events.Count)
        {
            throw new InvalidOperationException($"{events.Count} order events were written but {positions.Count} positions came back.");
        }

        // Positions were taken in the events' order (nextval after the ORDER BY of the INSERT's SELECT).
        positions.Sort();
        var committed = new CommittedEvent[events.Count];
        for (var i = 0; i < committed.Length; i++)
        {
            var e = events[i];
            committed[i] = new CommittedEvent(positions[i], e.OwnerId, e.OrderId, e.Name, payloads[i], e.CreatedAt.ToUniversalTime());
        }

        return committed;
    }

    public void LogCommitted(IReadOnlyList<OrderEvent> events)
    {
        foreach (var e in events)
        {
            if (e.Payload is OrderStatusChangedPayload changed) LogStatusChanged(logger, e.OrderId, changed.OldStatus, changed.NewStatus);
            else LogEventCommitted(logger, e.Name, e.OrderId);
        }
    }

    private NpgsqlBatch CreateBatch(DbTransaction transaction, IReadOnlyList<OrderEvent> events, out string[] payloads)
    {
        if (transaction is not NpgsqlTransaction { Connection: { } connection } npgsql)
        {
            throw new InvalidOperationException("Order events are stored in PostgreSQL: the orders DbContext must use Npgsql.");
        }

        var owners = new string[events.Count];
        var orders = new Guid[events.Count];
        var names = new string[events.Count];
        payloads = new string[events.Count];
        var created = new DateTimeOffset[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            owners[i] = e.OwnerId;
            orders[i] = e.OrderId;
            names[i] = e.Name;
            // The exact text that goes on the wire, live and when replayed.
            payloads[i] = JsonSerializer.Serialize(e.Payload, e.Payload.GetType(), server.SerializerOptions);
            created[i] = e.CreatedAt.ToUniversalTime();
        }

        var batch = new NpgsqlBatch(connection, npgsql);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LockSql));
        var insert = new NpgsqlBatchCommand(InsertSql);
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = owners });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = orders });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = created });
        batch.BatchCommands.Add(insert);
        var notify = new NpgsqlBatchCommand(NotifySql);
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node.Name });
        batch.BatchCommands.Add(notify);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(CommitSql));
        return batch;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Order status changed: {OrderId} from {Old} to {New}")]
    private static partial void LogStatusChanged(ILogger logger, Guid orderId, string old, string @new);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Order event {EventName} committed for {OrderId}")]
    private static partial void LogEventCommitted(ILogger logger, string eventName, Guid orderId);
}
