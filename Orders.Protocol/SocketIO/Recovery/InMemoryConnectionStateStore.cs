using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Orders.Protocol.SocketIO.Recovery;

/// <summary>
/// The default <see cref="IConnectionStateStore"/>: sessions and broadcasts in this process's memory, each kept for
/// <see cref="ConnectionStateRecoveryOptions.MaxDisconnectionDuration"/>, as socket.io's in-memory adapter keeps them.
/// A restart forgets everything, and a client recovers only on the process it left.
/// </summary>
public sealed class InMemoryConnectionStateStore : IConnectionStateStore
{
    private readonly ConcurrentDictionary<string, RecoverableSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Queue<Recorded> _events = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _keep;
    private long _last;

    /// <summary>Creates the store; the library registers one per server.</summary>
    public InMemoryConnectionStateStore(IOptions<SocketIOOptions> options, TimeProvider time)
    {
        _time = time;
        _keep = options.Value.ConnectionStateRecovery.MaxDisconnectionDuration;
    }

    /// <inheritdoc />
    public long? Append(string @namespace, string eventName, ReadOnlySpan<object?> args, IReadOnlyList<string> rooms, IReadOnlyList<string> except)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            while (_events.TryPeek(out var oldest) && now - oldest.At > _keep) _events.Dequeue();
            var offset = ++_last;
            _events.Enqueue(new Recorded(offset, now, @namespace, eventName, args.ToArray(), [.. rooms], [.. except]));
            return offset;
        }
    }

    /// <inheritdoc />
    public ValueTask SaveSessionAsync(RecoverableSession session, CancellationToken cancellationToken)
    {
        _sessions[session.Pid] = session;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveSessionAsync(string pid, CancellationToken cancellationToken)
    {
        _sessions.TryRemove(pid, out _);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<RecoverableSession?> FindSessionAsync(string pid, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(pid, out var session)) return ValueTask.FromResult<RecoverableSession?>(null);
        if (session.DisconnectedAt is { } at && _time.GetUtcNow() - at > _keep)
        {
            // Expired: nobody can recover it any more.
            _sessions.TryRemove(KeyValuePair.Create(pid, session));
            return ValueTask.FromResult<RecoverableSession?>(null);
        }

        return ValueTask.FromResult<RecoverableSession?>(session);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MissedEvent>?> ReadMissedAsync(
        string @namespace, IReadOnlyCollection<string> rooms, long afterOffset, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Offsets here have no gaps: the one after afterOffset must still be kept, or some events are gone.
            var first = _events.TryPeek(out var oldest) ? oldest.Offset : _last + 1;
            if (afterOffset > _last || afterOffset < first - 1) return ValueTask.FromResult<IReadOnlyList<MissedEvent>?>(null);

            List<MissedEvent> missed = [];
            foreach (var e in _events)
            {
                if (e.Offset > afterOffset && e.Namespace == @namespace && e.Reaches(rooms)) missed.Add(new MissedEvent(e.Offset, e.EventName, e.Args));
            }

            return ValueTask.FromResult<IReadOnlyList<MissedEvent>?>(missed);
        }
    }

    private sealed record Recorded(long Offset, DateTimeOffset At, string Namespace, string EventName, object?[] Args, string[] Rooms, string[] Except)
    {
        // As the broadcast chose its recipients: a member of one of its rooms (any socket when it named none), and of
        // none of the excluded ones.
        public bool Reaches(IReadOnlyCollection<string> socketRooms) =>
            (Rooms.Length == 0 || Rooms.Any(socketRooms.Contains)) && !Except.Any(socketRooms.Contains);
    }
}
