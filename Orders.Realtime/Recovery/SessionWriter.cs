using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orders.Protocol.SocketIO.Recovery;
using Orders.Realtime.Cluster;
using Orders.Realtime.Events;
using Orders.Realtime.Outages;

namespace Orders.Realtime.Recovery;

// Writes recoverable sessions to socket_sessions in batches, off the connect path: a reconnect wave of thousands of
// sockets becomes a few round trips rather than one each. Until its batch is written, a session is kept in Pending,
// where the store looks first, so a client that reconnects at once to this node still finds it. A crash loses the
// sessions not yet written (their clients start fresh and refetch): at most one batch interval.
internal sealed partial class SessionWriter(
    NpgsqlDataSource database, RealtimeNode node, IOptions<OrderEventsOptions> options, TimeProvider time, ILogger<SessionWriter> logger)
    : BackgroundService
{
    private const int MaxBatch = 500;

    // A connection takes the session over from whichever node held it; a disconnection or removal touches it only
    // while this node still holds it, so a node that notices a client's departure late cannot undo its recovery elsewhere.
    private const string UpsertSql = """
        INSERT INTO socket_sessions (pid, namespace, socket_id, owner, rooms, start_offset, node_id, disconnected_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (pid) DO UPDATE SET namespace = EXCLUDED.namespace, socket_id = EXCLUDED.socket_id, owner = EXCLUDED.owner,
            rooms = EXCLUDED.rooms, start_offset = EXCLUDED.start_offset, node_id = EXCLUDED.node_id, disconnected_at = EXCLUDED.disconnected_at
        WHERE EXCLUDED.disconnected_at IS NULL OR socket_sessions.node_id = EXCLUDED.node_id
        """;

    private const string DeleteSql = "DELETE FROM socket_sessions WHERE pid = $1 AND node_id = $2";

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Backoff _backoff = options.Value.NewBackoff();

    // The latest unwritten state of each pid; null means "remove".
    public ConcurrentDictionary<string, RecoverableSession?> Pending { get; } = new(StringComparer.Ordinal);

    public void Save(RecoverableSession session) => Enqueue(session.Pid, session);

    public void Remove(string pid) => Enqueue(pid, null);

    private void Enqueue(string pid, RecoverableSession? state)
    {
        Pending[pid] = state;
        _queue.Writer.TryWrite(pid);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pids = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (pids.Count < MaxBatch && _queue.Reader.TryRead(out var pid)) pids.Add(pid);
                await WriteAsync(pids, stoppingToken).ConfigureAwait(false);
                pids.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Sockets closed by the shutdown are saved as disconnected, so their clients recover on the next start.
        _queue.Writer.TryComplete();
        var pids = new HashSet<string>(Pending.Keys, StringComparer.Ordinal);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (pids.Count > 0) await WriteAsync(pids, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAsync(HashSet<string> pids, CancellationToken cancellationToken)
    {
        while (true)
        {
            var states = pids.Select(pid => (pid, state: Pending.GetValueOrDefault(pid))).ToList();
            try
            {
                await using var batch = database.CreateBatch();
                foreach (var (pid, state) in states) batch.BatchCommands.Add(state is null ? Delete(pid) : Upsert(state));
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (pid, state) in states) Pending.TryRemove(KeyValuePair.Create(pid, state));
                if (_backoff.Failing) LogWritesResumed(logger);
                _backoff.Reset();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                if (!_backoff.Failing) LogWriteFailed(logger, states.Count, Backoff.Reason(ex));
                await Task.Delay(_backoff.Next(), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private NpgsqlBatchCommand Upsert(RecoverableSession s)
    {
        var command = new NpgsqlBatchCommand(UpsertSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = s.Pid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = s.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = s.SocketId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)s.Owner ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. s.Rooms] });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)s.StartOffset ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = node.Id });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)s.DisconnectedAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz,
        });
        return command;
    }

    private NpgsqlBatchCommand Delete(string pid)
    {
        var command = new NpgsqlBatchCommand(DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pid });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = node.Id });
        return command;
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Cannot store {Count} socket sessions: {Reason}; retrying with backoff (until then they are recoverable on this node only)")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Socket sessions are stored again")]
    private static partial void LogWritesResumed(ILogger logger);
}
