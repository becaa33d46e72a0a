using System.Data;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Orders.LoadGen.Commit;

/// <summary>
/// One order's change committed two ways on one connection, each timed from its first statement sent to its COMMIT
/// answered (Stopwatch ticks): the commit time at the database as the service's client sees it, loopback included.
/// The outbox's way also times its lock window, from sending the lock and INSERT to the COMMIT's answer: the
/// advisory lock is held for about that long, and every event-writing commit of the service waits for it.
/// The statements are the service's as PostgreSQL's statement log shows them; the outbox's two are copied from
/// <c>Orders.Realtime/Outbox/OrderEventOutbox.cs</c> and must follow it.
/// </summary>
internal sealed class OrderChangeCommits(NpgsqlConnection connection, Guid orderId, string ownerId, uint xmin)
{
    // EF Core's update of an order's notes, with the optimistic-concurrency check on xmin.
    private const string UpdateSql = """
        UPDATE orders SET notes = $1, updated_at = $2
        WHERE id = $3 AND xmin = $4
        RETURNING xmin
        """;

    private const string LockSql = "SELECT pg_advisory_xact_lock('order_events'::regclass::oid::bigint)";

    private const string InsertSql = """
        INSERT INTO order_events (position, owner_id, order_id, name, payload, created_at)
        SELECT nextval('order_event_position_seq'), e.owner_id, e.order_id, e.name, e.payload::json, e.created_at
        FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[]) AS e(owner_id, order_id, name, payload, created_at)
        """;

    private const string NotifySql = "SELECT pg_notify('order_events', $1)";

    // A node's id as the service sends it in its notifications (32 hex digits).
    private static readonly string NodeName = Guid.CreateVersion7().ToString("N");

    private uint _xmin = xmin;
    private long _seq;

    /// <summary>The size of the event payload the outbox variants insert (UTF-8 bytes, as the last one made).</summary>
    public int PayloadBytes { get; private set; }

    /// <summary>The commit's time, and its lock window (zero for <see cref="CommitKind.Update"/>), in Stopwatch ticks.</summary>
    public Task<(long Ticks, long LockTicks)> CommitAsync(CommitKind kind) => kind switch
    {
        CommitKind.Update => UpdateAsync(),
        CommitKind.Outbox => OutboxAsync(),
        CommitKind.OneTrip => OneTripAsync(locked: true, notify: true),
        CommitKind.OneTripSilent => OneTripAsync(locked: true, notify: false),
        CommitKind.RowAlone => OneTripAsync(locked: false, notify: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A: the change as it was before the outbox, one autocommit statement.</summary>
    private async Task<(long, long)> UpdateAsync()
    {
        var (notes, now) = Next();
        await using var update = Update(notes, now, null);
        var started = Stopwatch.GetTimestamp();
        var returned = await update.ExecuteScalarAsync().ConfigureAwait(false);
        var ticks = Stopwatch.GetTimestamp() - started;
        Advance(returned);
        return (ticks, 0);
    }

    /// <summary>B: BEGIN with the UPDATE, then the lock, the event's row, NOTIFY and COMMIT in one batch.</summary>
    private async Task<(long, long)> OutboxAsync()
    {
        var (notes, now) = Next();
        var payload = OrderUpdatedPayload.Text(orderId, ownerId, notes, now, _seq);
        PayloadBytes = System.Text.Encoding.UTF8.GetByteCount(payload);
        var started = Stopwatch.GetTimestamp();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted).ConfigureAwait(false);
        object? returned;
        await using (var update = Update(notes, now, transaction))
        {
            returned = await update.ExecuteScalarAsync().ConfigureAwait(false);
        }

        var locking = Stopwatch.GetTimestamp();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockSql));
            batch.BatchCommands.Add(Insert(payload, now));
            var notify = new NpgsqlBatchCommand(NotifySql);
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NodeName });
            batch.BatchCommands.Add(notify);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var ended = Stopwatch.GetTimestamp();
        Advance(returned);
        return (ended - started, ended - locking);
    }

    /// <summary>C, D, E: (lock,) UPDATE, row (and NOTIFY) as one batch, one Sync: one implicit transaction, one round trip.</summary>
    private async Task<(long, long)> OneTripAsync(bool locked, bool notify)
    {
        var (notes, now) = Next();
        var payload = OrderUpdatedPayload.Text(orderId, ownerId, notes, now, _seq);
        var started = Stopwatch.GetTimestamp();
        object? returned;
        await using (var batch = new NpgsqlBatch(connection))
        {
            if (locked) batch.BatchCommands.Add(new NpgsqlBatchCommand(LockSql));
            var update = new NpgsqlBatchCommand(UpdateSql);
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notes });
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            update.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = orderId });
            update.Parameters.Add(new NpgsqlParameter<uint> { TypedValue = _xmin, NpgsqlDbType = NpgsqlDbType.Xid });
            batch.BatchCommands.Add(update);
            batch.BatchCommands.Add(Insert(payload, now));
            if (notify)
            {
                var notification = new NpgsqlBatchCommand(NotifySql);
                notification.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NodeName });
                batch.BatchCommands.Add(notification);
            }

            await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
            if (locked) await reader.NextResultAsync().ConfigureAwait(false);
            returned = await reader.ReadAsync().ConfigureAwait(false) ? reader.GetFieldValue<uint>(0) : null;
        }

        var ticks = Stopwatch.GetTimestamp() - started;
        Advance(returned);
        return (ticks, locked ? ticks : 0);
    }

    // The event's row, as the outbox's INSERT takes it: one element per array.
    private NpgsqlBatchCommand Insert(string payload, DateTimeOffset now)
    {
        var insert = new NpgsqlBatchCommand(InsertSql);
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [ownerId] });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [orderId] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["order:updated"] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [payload] });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [now] });
        return insert;
    }

    private NpgsqlCommand Update(string notes, DateTimeOffset now, NpgsqlTransaction? transaction)
    {
        var command = new NpgsqlCommand(UpdateSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notes });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = orderId });
        command.Parameters.Add(new NpgsqlParameter<uint> { TypedValue = _xmin, NpgsqlDbType = NpgsqlDbType.Xid });
        return command;
    }

    private (string Notes, DateTimeOffset Now) Next()
    {
        _seq++;
        // timestamptz keeps microseconds, as the service trims them.
        var now = DateTimeOffset.UtcNow;
        return (string.Create(CultureInfo.InvariantCulture, $"bench-{_seq}"), now.AddTicks(-(now.Ticks % 10)));
    }

    // No row back means the xmin check failed: someone else changed the order, and the timings would not be of a change.
    private void Advance(object? returned) =>
        _xmin = returned is uint next ? next : throw new InvalidOperationException($"the UPDATE of order {orderId} matched no row (xmin {_xmin})");
}
