namespace Orders.Protocol.SocketIO.Recovery;

/// <summary>
/// What connection state recovery keeps across a disconnection: the sessions of recoverable sockets and the events
/// broadcast to them, by offset. Offsets are positive 64-bit integers that grow in the order events are emitted; a
/// client receives each durable event's offset as its last argument and presents the last one when it reconnects.
/// <para>
/// <see cref="InMemoryConnectionStateStore"/> is the default: one process, the events of the last
/// <see cref="ConnectionStateRecoveryOptions.MaxDisconnectionDuration"/>, like socket.io's in-memory adapter. An
/// application whose events already live in a durable log (a database table, say) implements this interface over
/// that log and emits those events with <see cref="BroadcastOperator.EmitWithOffset"/>; recovery then survives restarts
/// and works on any node sharing the log.
/// </para>
/// </summary>
public interface IConnectionStateStore
{
    /// <summary>
    /// Records a broadcast the application emits with <see cref="BroadcastOperator.Emit"/> while recovery is enabled, and
    /// returns its offset; or null when this store keeps no such emits (they then go out without an offset and are not
    /// replayed). Called under the namespace's lock for durable emits, so offsets are handed out in sending order.
    /// </summary>
    long? Append(string @namespace, string eventName, ReadOnlySpan<object?> args, IReadOnlyList<string> rooms, IReadOnlyList<string> except);

    /// <summary>
    /// Remembers a recoverable socket: when it connects (with <see cref="RecoverableSession.DisconnectedAt"/> null) and
    /// when it disconnects for a reason it may come back from. The library does not wait for the result to go on.
    /// </summary>
    ValueTask SaveSessionAsync(RecoverableSession session, CancellationToken cancellationToken);

    /// <summary>Forgets a session that ended for good (the client or the server disconnected it on purpose).</summary>
    ValueTask RemoveSessionAsync(string pid, CancellationToken cancellationToken);

    /// <summary>The session of private id <paramref name="pid"/>, or null when none is known.</summary>
    ValueTask<RecoverableSession?> FindSessionAsync(string pid, CancellationToken cancellationToken);

    /// <summary>
    /// Events of <paramref name="namespace"/> after <paramref name="afterOffset"/> that a socket in
    /// <paramref name="rooms"/> would have received, in offset order; or null when the store cannot vouch for a
    /// complete list (the offset is in the future, or events after it are no longer kept). Null makes the socket a
    /// fresh session rather than a recovered one with a gap.
    /// </summary>
    ValueTask<IReadOnlyList<MissedEvent>?> ReadMissedAsync(
        string @namespace, IReadOnlyCollection<string> rooms, long afterOffset, CancellationToken cancellationToken);
}
