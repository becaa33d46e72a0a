using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Realtime.Events;

namespace Orders.Realtime.Cluster;

// This process as one node of the service: an id for the sessions it holds, and a row in realtime_nodes whose seen_at
// it refreshes. A node that stops without closing its sockets (a crash) leaves them marked connected; they count as
// disconnected since its last heartbeat, so their recovery window still runs out.
internal sealed partial class RealtimeNode(
    NpgsqlDataSource database, IOptions<OrderEventsOptions> options, TimeProvider time, ILogger<RealtimeNode> logger)
    : BackgroundService
{
    private const string HeartbeatSql = """
        INSERT INTO realtime_nodes (node_id, started_at, seen_at) VALUES ($1, $2, $2)
        ON CONFLICT (node_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
        """;

    private bool _failing;

    public Guid Id { get; } = Guid.CreateVersion7();

    // The id as text, as it goes in notifications.
    public string Name => field ??= Id.ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, Id);
        using var timer = new PeriodicTimer(options.Value.NodeHeartbeatInterval, time);
        do
        {
            try
            {
                await using var command = database.CreateCommand(HeartbeatSql);
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Id });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
                await command.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                if (_failing) LogHeartbeatResumed(logger, Id);
                _failing = false;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                if (!_failing) LogHeartbeatFailed(logger, Id, Outages.Backoff.Reason(ex));
                _failing = true;
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Realtime node {NodeId} started")]
    private static partial void LogStarted(ILogger logger, Guid nodeId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Realtime node {NodeId} cannot record its heartbeat: {Reason}; retrying every interval")]
    private static partial void LogHeartbeatFailed(ILogger logger, Guid nodeId, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Realtime node {NodeId} records its heartbeat again")]
    private static partial void LogHeartbeatResumed(ILogger logger, Guid nodeId);
}
