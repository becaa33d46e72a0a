using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Events;
using Orders.Realtime.Outbox;
using Orders.Realtime.Rooms;

namespace Orders.Realtime.Publishing;

// Sends committed rows of order_events to sockets in position order, each to its owner's room and to admins, with its
// position as the offset clients recover from. What a client sees live and what a recovery replays are the same rows
// in the same order. Positions follow commit order (see OrderEventOutbox), so reading "after the last one sent"
// skips nothing. Two ways in:
// - a commit on this node hands over its rows as the INSERT returned them (position and payload text); the feed
//   sends them while they continue the positions it has sent, and reads the table as soon as one does not (a gap
//   means another node, or a writer whose COMMIT failed, took the positions between);
// - a notification from another node, or the poll, makes it read the table after the last position sent.
// At start the feed begins after the newest row: older events reach clients through recovery, not live.
internal sealed partial class OrderEventFeed(
    NpgsqlDataSource database, SocketIOServer server, RealtimeMetrics metrics, IOptions<OrderEventsOptions> options, TimeProvider time,
    ILogger<OrderEventFeed> logger)
    : BackgroundService
{
    private const int BatchSize = 500;

    private const string ReadSql = """
        SELECT position, owner_id, order_id, name, payload, created_at FROM order_events
        WHERE position > $1 ORDER BY position LIMIT $2
        """;

    private const string HeadSql = "SELECT coalesce(max(position), 0) FROM order_events";

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentQueue<CommittedEvent> _committed = new();

    // This node's committed rows not sent yet, by position; the feed's loop only.
    private readonly SortedDictionary<long, CommittedEvent> _pending = [];

    // Set by anything that means "look at the table": a notification, the poll, a gap, the start.
    private volatile bool _readTable = true;
    private long _delivered = -1;
    private long _newest;
    private long _lastCreatedAtTicks;
    private volatile bool _reading;

    /// <summary>The position of the last event sent; -1 until the feed has started.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Whether the feed reads events now (false before its first read and while the database is unreachable).</summary>
    public bool IsReading => _reading;

    /// <summary>How many positions committed events are ahead of the last one sent, as of the last read.</summary>
    public long LagPositions => Math.Max(0, Interlocked.Read(ref _newest) - Delivered);

    /// <summary>While behind, how old the last event sent was when it went out; 0 when caught up.</summary>
    public TimeSpan Lag
    {
        get
        {
            var lastCreatedAt = Interlocked.Read(ref _lastCreatedAtTicks);
            return LagPositions == 0 || lastCreatedAt == 0 ? TimeSpan.Zero : time.GetUtcNow() - new DateTimeOffset(lastCreatedAt, TimeSpan.Zero);
        }
    }

    /// <summary>Rows this node committed, as they were written: sent without reading them back when they continue the stream.</summary>
    public void Publish(IReadOnlyList<CommittedEvent> rows)
    {
        foreach (var row in rows) _committed.Enqueue(row);
        Signal();
    }

    /// <summary>Reads the table for new rows now rather than at the next poll.</summary>
    public void Wake()
    {
        _readTable = true;
        Signal();
    }

    /// <summary>
    /// Sends every row committed so far (this node's own and the others') before the node closes its sockets at
    /// shutdown. Returns early when the database cannot be read or <paramref name="cancellationToken"/> fires: what
    /// was not sent stays in the table, and the clients recover it wherever they reconnect.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (Delivered < 0) return;
        long head;
        try
        {
            head = await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return;
        }

        Wake();
        try
        {
            while (Delivered < head) await Task.Delay(DrainCheckInterval, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainIncomplete(logger, Delivered, head);
        }
    }

    private static readonly TimeSpan DrainCheckInterval = TimeSpan.FromMilliseconds(10);

    private void Signal()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken by another commit at the same moment: one read serves both.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = options.Value.PollInterval;
        var backoff = options.Value.NewBackoff();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Delivered < 0) Start(await ReadHeadAsync(stoppingToken).ConfigureAwait(false));
                var from = Delivered;
                SendCommitted();
                if (_readTable)
                {
                    _readTable = false;
                    while (await SendNextAsync(stoppingToken).ConfigureAwait(false) == BatchSize)
                    {
                        // Behind by at least a batch: how far, for the lag gauges and the log.
                        Interlocked.Exchange(ref _newest, await ReadHeadAsync(stoppingToken).ConfigureAwait(false));
                    }

                    SendCommitted();
                }

                Interlocked.Exchange(ref _newest, Delivered);
                if (backoff.Failing) LogCaughtUp(logger, from, Delivered);
                backoff.Reset();
                _reading = true;
                if (!await _wake.WaitAsync(poll, stoppingToken).ConfigureAwait(false)) _readTable = true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database is unreachable: nothing is lost (the rows wait). The table is read again on the next
                // attempt, which comes after the backoff or as soon as the listener is back (it wakes the feed).
                // Without _readTable set here, the next turn would skip the table, "succeed" and flap the readiness.
                _readTable = true;
                if (!backoff.Failing) LogReadFailed(logger, Delivered, Outages.Backoff.Reason(ex));
                _reading = false;
                try
                {
                    await _wake.WaitAsync(backoff.Next(), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // This node's own rows, while they continue the stream; a gap sends the feed to the table.
    private void SendCommitted()
    {
        while (_committed.TryDequeue(out var row))
        {
            if (row.Position > Delivered) _pending[row.Position] = row;
        }

        while (_pending.Count > 0)
        {
            var (position, row) = _pending.First();
            if (position > Delivered + 1) break;
            _pending.Remove(position);
            if (position == Delivered + 1) Send(row);
        }

        if (_pending.Count > 0) _readTable = true;
    }

    // Sockets that connect from now on and drop before their first event recover from the head.
    private void Start(long head)
    {
        Interlocked.Exchange(ref _delivered, head);
        server.Default.MarkOffset(head);
    }

    private async Task<long> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(HeadSql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<int> SendNextAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Delivered });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Send(new CommittedEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
            count++;
        }

        return count;
    }

    // One row, whichever way it came: the same text and position either way.
    private void Send(CommittedEvent row)
    {
        var (position, ownerId, orderId, name, payload, createdAt) = row;
        metrics.Published(name);
        try
        {
            using var json = JsonDocument.Parse(payload);
            // One emit to user:{owner} and admins together: encoded once, and an admin who owns the order gets it once.
            var recipients = server.Default.To(OrderRooms.ForUser(ownerId)).To(OrderRooms.Admins).EmitWithOffset(position, name, json.RootElement);
            metrics.Delivered(name, recipients, time.GetUtcNow() - createdAt);
            LogDelivered(logger, name, orderId, position, recipients);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One bad row must not stop the stream for everyone else; a recovering client will still get it.
            LogDeliveryFailed(logger, ex, name, orderId, position);
        }

        Interlocked.Exchange(ref _lastCreatedAtTicks, createdAt.UtcTicks);
        Interlocked.Exchange(ref _delivered, position);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Order event {EventName} for {OrderId} at position {Position} sent to {Recipients} sockets")]
    private static partial void LogDelivered(ILogger logger, string eventName, Guid orderId, long position, int recipients);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Order event {EventName} for {OrderId} at position {Position} could not be sent")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string eventName, Guid orderId, long position);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Order events cannot be read after position {Position}: {Reason}; retrying with backoff (nothing is lost, the rows wait)")]
    private static partial void LogReadFailed(ILogger logger, long position, string reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Shutting down with order events sent up to position {Delivered} of {Head}; their clients recover the rest on reconnect")]
    private static partial void LogDrainIncomplete(ILogger logger, long delivered, long head);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Order events are read again: caught up from position {From} to {To}")]
    private static partial void LogCaughtUp(ILogger logger, long from, long to);
}
