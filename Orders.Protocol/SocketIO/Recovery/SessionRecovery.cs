using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orders.Protocol.Diagnostics;

namespace Orders.Protocol.SocketIO.Recovery;

// Connection state recovery for the server: decides whether a reconnecting socket gets its old session back, replays
// what it missed, and tells the store about sockets that come and go. Exists only while recovery is enabled.
internal sealed partial class SessionRecovery(
    ConnectionStateRecoveryOptions options, IConnectionStateStore store, TimeProvider time, ProtocolMetrics metrics, ILogger logger)
{
    // Reasons a client comes back from by itself; the others end the session on purpose (socket.io's list, plus a
    // client so slow that its queue overflowed, which lost events and is exactly what recovery is for).
    private static readonly HashSet<string> Recoverable = new(StringComparer.Ordinal)
    {
        "transport close", "transport error", "ping timeout", "forced close", "server shutting down", "send queue full",
    };

    public IConnectionStateStore Store => store;

    /// <summary>The session the socket may take over and what it missed so far; null for a fresh session.</summary>
    public async ValueTask<RecoveryPlan?> TryPlanAsync(Socket socket, JsonElement auth)
    {
        if (!RecoveryAttempt.TryRead(auth, out var pid, out var offset, out var problem))
        {
            if (problem is not null) Refuse(socket, problem);
            return null;
        }

        try
        {
            var session = await store.FindSessionAsync(pid, CancellationToken.None).ConfigureAwait(false);
            if (session is null || session.Namespace != socket.Namespace.Name) return Refuse(socket, "unknown pid");
            if (session.DisconnectedAt is { } at && time.GetUtcNow() - at > options.MaxDisconnectionDuration) return Refuse(socket, "expired");
            if (session.Owner != options.SessionOwner?.Invoke(socket)) return Refuse(socket, "other owner");
            if ((offset ?? session.StartOffset) is not { } after) return Refuse(socket, "no offset");

            var missed = await store.ReadMissedAsync(session.Namespace, [.. session.Rooms], after, CancellationToken.None).ConfigureAwait(false);
            return missed is null ? Refuse(socket, "offset not kept") : new RecoveryPlan(session, after, missed);
        }
        catch (Exception ex)
        {
            // The store is unreachable (a database outage): the client still connects, as a fresh session.
            LogStoreFailed(logger, ex, socket.Namespace.Name);
            metrics.RecoveryAttempted(socket.Namespace.Name, "store failed");
            return null;
        }
    }

    /// <summary>
    /// Sends what the socket missed, then whatever was broadcast to it meanwhile (held since it rejoined its rooms).
    /// Events committed between the plan's read and the rejoin are read once more, so nothing falls between the two.
    /// </summary>
    public async ValueTask ReplayAsync(Socket socket, RecoveryPlan plan)
    {
        var last = plan.Missed.Count > 0 ? plan.Missed[^1].Offset : plan.AfterOffset;
        var since = await ReadSinceAsync(socket, plan.Session.Rooms, last).ConfigureAwait(false);
        var state = socket.Recovery!;
        foreach (var e in plan.Missed) state.SendMissed(socket, e);
        foreach (var e in since) state.SendMissed(socket, e);
        state.EndHold(socket);
        metrics.RecoveryAttempted(socket.Namespace.Name, "recovered");
        LogRecovered(logger, socket.Id, socket.Namespace.Name, plan.Missed.Count + since.Count);
    }

    /// <summary>
    /// Sends a fresh socket the durable events broadcast to its rooms while it connected (after its middleware joined
    /// them, before it was indexed), then what was held since. The store is read only when there were any.
    /// </summary>
    public async ValueTask CatchUpAsync(Socket socket)
    {
        var state = socket.Recovery!;
        if (state.StartOffset is { } start && socket.Namespace.LastDurableOffset > start)
        {
            foreach (var e in await ReadSinceAsync(socket, socket.RoomList, start).ConfigureAwait(false)) state.SendMissed(socket, e);
        }

        state.EndHold(socket);
    }

    // The events for `rooms` after `offset`, or none when the store cannot be read: what was sent already stands, and the
    // rest reaches the client when it recovers (it presents the offset of what it did receive) or refetches.
    private async ValueTask<IReadOnlyList<MissedEvent>> ReadSinceAsync(Socket socket, IReadOnlyList<string> rooms, long offset)
    {
        try
        {
            return await store.ReadMissedAsync(socket.Namespace.Name, [.. rooms], offset, CancellationToken.None).ConfigureAwait(false) ?? [];
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, socket.Namespace.Name);
            return [];
        }
    }

    /// <summary>
    /// Records the session as connected, once its replay or catch-up is done. A client gone meanwhile was recorded as
    /// gone, with its rooms (<see cref="OnDisconnected"/>): that record stays, or the next recovery would find a
    /// connected session without rooms and replay nothing. Both records are made under the socket's lock, in order.
    /// </summary>
    public void OnConnected(Socket socket)
    {
        lock (socket.Client)
        {
            if (!socket.Connected) return;
            Save(new RecoverableSession(
                socket.Pid!, socket.Namespace.Name, socket.Id, options.SessionOwner?.Invoke(socket), socket.RoomList, socket.Recovery?.StartOffset, null));
        }
    }

    // The rooms as they were before the socket left them. Under the socket's lock, ordered against OnConnected.
    public void OnDisconnected(Socket socket, DisconnectReason reason, string[] rooms)
    {
        if (socket.Pid is not { } pid) return;
        lock (socket.Client)
        {
            if (Recoverable.Contains(reason.Name))
            {
                Save(new RecoverableSession(
                    pid, socket.Namespace.Name, socket.Id, options.SessionOwner?.Invoke(socket), rooms, socket.Recovery?.StartOffset, time.GetUtcNow()));
            }
            else
            {
                Forget(store.RemoveSessionAsync(pid, CancellationToken.None), socket.Namespace.Name);
            }
        }
    }

    private void Save(RecoverableSession session) => Forget(store.SaveSessionAsync(session, CancellationToken.None), session.Namespace);

    // The socket does not wait for its session to be stored; a failure is logged, and that session is not recoverable.
    private void Forget(ValueTask pending, string ns)
    {
        if (pending.IsCompletedSuccessfully) return;
        _ = ObserveAsync(pending, ns);
    }

    private async Task ObserveAsync(ValueTask pending, string ns)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStoreFailed(logger, ex, ns);
        }
    }

    private RecoveryPlan? Refuse(Socket socket, string why)
    {
        metrics.RecoveryAttempted(socket.Namespace.Name, why);
        LogNotRecovered(logger, socket.Namespace.Name, why);
        return null;
    }

    [LoggerMessage(20, LogLevel.Debug, "Socket {SocketId} recovered in {Namespace} with {Missed} missed events")]
    private static partial void LogRecovered(ILogger logger, string socketId, string @namespace, int missed);

    [LoggerMessage(21, LogLevel.Debug, "Connection to {Namespace} not recovered ({Reason}): a fresh session")]
    private static partial void LogNotRecovered(ILogger logger, string @namespace, string reason);

    [LoggerMessage(22, LogLevel.Warning, "Connection state store failed for {Namespace}; sockets connect as fresh sessions meanwhile")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string @namespace);
}
