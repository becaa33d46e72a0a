using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Realtime.Cluster;
using Orders.Realtime.Events;
using Orders.Realtime.Outages;
using Orders.Realtime.Outbox;

namespace Orders.Realtime.Publishing;

// Listens on the order_events channel, on a connection of its own, and wakes the feed whenever any node commits events;
// the same connection carries the other nodes' ad-hoc broadcasts to the adapter.
// Notifications are only wake-ups: the feed reads the rows after the last position it sent, so a notification lost
// while the connection was down costs nothing but time. When the connection drops (a database restart, a terminated
// backend), the listener reconnects and wakes the feed, which catches up from where it stopped: no gap, no duplicate.
internal sealed partial class OrderEventListener(
    NpgsqlDataSource database, OrderEventFeed feed, PostgresAdapter adapter, RealtimeNode node, IOptions<OrderEventsOptions> options, TimeProvider time,
    ILogger<OrderEventListener> logger)
    : BackgroundService
{
    private volatile bool _listening;

    /// <summary>Whether notifications arrive now; while not, other nodes' events wait for the feed's poll.</summary>
    public bool IsListening => _listening;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // LISTEN is session state: the connection is never returned to the shared pool, and a keepalive notices a
        // connection that died without a word while the listener waits.
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, KeepAlive = 10 }.ConnectionString;
        var backoff = options.Value.NewBackoff();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == PostgresAdapter.PeerChannel) adapter.Receive(e.Payload);
                    // This node's own commits woke its feed already.
                    else if (e.Payload != node.Name) feed.Wake();
                };
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {OrderEventOutbox.OrderEventChannel}; LISTEN {PostgresAdapter.PeerChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                _listening = true;
                if (backoff.Failing) LogListeningAgain(logger);
                backoff.Reset();

                // Whatever was committed while no one listened.
                feed.Wake();
                while (true) await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                _listening = false;
                if (!backoff.Failing) LogListenFailed(logger, Backoff.Reason(ex));
                try
                {
                    await Task.Delay(backoff.Next(), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Lost the order event notifications: {Reason}; reconnecting with backoff (events are still read at the poll interval)")]
    private static partial void LogListenFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Listening to order event notifications again; catching up")]
    private static partial void LogListeningAgain(ILogger logger);
}
