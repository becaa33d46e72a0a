using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orders.Protocol.SocketIO;
using Orders.Protocol.SocketIO.Adapters;

namespace Orders.Realtime.Cluster;

// Ad-hoc broadcasts (io.To(room).Emit(...), not order events) to the other nodes through PostgreSQL, as socket.io's
// PostgreSQL adapter does: a NOTIFY on PeerChannel carries the packet, or, when it is too large for a notification
// (PostgreSQL's limit is 8,000 bytes), the id of a row of realtime_broadcasts that holds it. Fire-and-forget like every
// socket.io adapter: order events do not travel this way, they are read from order_events by each node.
internal sealed partial class PostgresAdapter(
    NpgsqlDataSource database, IServiceProvider services, RealtimeNode node, ILogger<PostgresAdapter> logger)
    : BackgroundService, ISocketIOAdapter
{
    public const string PeerChannel = "socketio_broadcasts";

    private const int MaxNotification = 7_900;
    private const int MaxBatch = 100;

    private const string NotifySql = "SELECT pg_notify('" + PeerChannel + "', $1)";

    private const string StoreSql = "INSERT INTO realtime_broadcasts (payload, created_at) VALUES ($1, now()) RETURNING id";

    private const string FetchSql = "SELECT payload FROM realtime_broadcasts WHERE id = $1";

    private readonly Channel<PeerBroadcast> _outbox = Channel.CreateBounded<PeerBroadcast>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public bool ForwardsBroadcasts => true;

    // The server is built with its adapter, so the adapter looks the server up only when a broadcast arrives.
    private SocketIOServer Server => field ??= services.GetRequiredService<SocketIOServer>();

    public void Publish(PeerBroadcast broadcast)
    {
        if (!_outbox.Writer.TryWrite(broadcast)) LogDropped(logger, broadcast.Namespace);
    }

    /// <summary>A notification on <see cref="PeerChannel"/>, from the listener's connection.</summary>
    public void Receive(string payload)
    {
        Message? message;
        try
        {
            message = JsonSerializer.Deserialize(payload, AdapterJson.Default.Message);
        }
        catch (JsonException ex)
        {
            LogMalformed(logger, ex);
            return;
        }

        if (message is null || message.Node == node.Id) return;
        if (message.Broadcast is { } broadcast) Server.DeliverFromPeer(broadcast);
        else if (message.Ref is { } id) _ = FetchAndDeliverAsync(id);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PeerBroadcast>(MaxBatch);
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && _outbox.Reader.TryRead(out var next)) batch.Add(next);
                try
                {
                    await SendAsync(batch, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    // Not durable by design: these broadcasts reach this node's sockets only.
                    LogSendFailed(logger, ex, batch.Count);
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(List<PeerBroadcast> broadcasts, CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        foreach (var broadcast in broadcasts)
        {
            var payload = JsonSerializer.Serialize(new Message(node.Id, broadcast, null), AdapterJson.Default.Message);
            if (System.Text.Encoding.UTF8.GetByteCount(payload) > MaxNotification)
            {
                payload = JsonSerializer.Serialize(new Message(node.Id, null, await StoreAsync(payload, cancellationToken).ConfigureAwait(false)), AdapterJson.Default.Message);
            }

            var notify = new NpgsqlBatchCommand(NotifySql);
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
            batch.BatchCommands.Add(notify);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> StoreAsync(string payload, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(StoreSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task FetchAndDeliverAsync(long id)
    {
        try
        {
            await using var command = database.CreateCommand(FetchSql);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            if (await command.ExecuteScalarAsync().ConfigureAwait(false) is string stored) Receive(stored);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogSendFailed(logger, ex, 1);
        }
    }

    internal sealed record Message(
        [property: JsonPropertyName("n")] Guid Node,
        [property: JsonPropertyName("b")] PeerBroadcast? Broadcast,
        [property: JsonPropertyName("ref")] long? Ref);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "A broadcast in {Namespace} was not forwarded to the other nodes: the queue is full")]
    private static partial void LogDropped(ILogger logger, string @namespace);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "{Count} broadcasts could not be forwarded to the other nodes")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Ignored a malformed broadcast from another node")]
    private static partial void LogMalformed(ILogger logger, Exception exception);
}

[JsonSerializable(typeof(PostgresAdapter.Message))]
internal sealed partial class AdapterJson : JsonSerializerContext;
