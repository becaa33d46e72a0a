using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Protocol;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Events;

namespace Orders.Realtime.Outbox;

// Deletes events older than the retention, and sessions and nodes past the recovery window, in the background and in
// small batches: the oldest rows first, a statement at a time, so a prune never holds many row locks or long
// transactions that would slow the writers.
internal sealed partial class OutboxPruner(
    NpgsqlDataSource database, IOptions<OrderEventsOptions> options, IOptions<SocketIOOptions> socketIO, TimeProvider time, ILogger<OutboxPruner> logger)
    : BackgroundService
{
    // Looks at the oldest rows only, through the primary key: no index on created_at is needed, and a prune that finds
    // nothing to do reads one batch.
    private const string PruneEventsSql = """
        DELETE FROM order_events WHERE position IN (
            SELECT position FROM order_events ORDER BY position LIMIT $2) AND created_at < $1
        """;

    private const string PruneSessionsSql = """
        DELETE FROM socket_sessions s
        WHERE coalesce(s.disconnected_at, (SELECT n.seen_at FROM realtime_nodes n WHERE n.node_id = s.node_id), '-infinity') < $1
        """;

    // Large ad-hoc broadcasts wait here for the other nodes for a moment, never for long.
    private const string PruneBroadcastsSql = "DELETE FROM realtime_broadcasts WHERE created_at < now() - interval '5 minutes'";

    private const string PruneNodesSql = """
        DELETE FROM realtime_nodes n WHERE n.seen_at < $1 AND NOT EXISTS (SELECT 1 FROM socket_sessions s WHERE s.node_id = n.node_id)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await PruneAsync(stoppingToken).ConfigureAwait(false);
                    failing = false;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    // Once per outage: the next interval is the retry, and the other services say the database is gone.
                    if (!failing) LogPruneFailed(logger, Outages.Backoff.Reason(ex));
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: returns the number of events deleted.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var batch = options.Value.PruneBatchSize;
        long events = 0;
        int deleted;
        do
        {
            await using var command = database.CreateCommand(PruneEventsSql);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - options.Value.Retention });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch });
            deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            events += deleted;
        }
        while (deleted == batch);

        var sessionsCutoff = now - socketIO.Value.ConnectionStateRecovery.MaxDisconnectionDuration;
        await using (var command = database.CreateCommand(PruneSessionsSql))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = sessionsCutoff });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = database.CreateCommand(PruneNodesSql))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = sessionsCutoff });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = database.CreateCommand(PruneBroadcastsSql))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (events > 0) LogPruned(logger, events);
        return events;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Pruned {Count} order events older than the retention")]
    private static partial void LogPruned(ILogger logger, long count);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Pruning order events failed: {Reason}; trying again at every interval")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
