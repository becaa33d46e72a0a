using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol.SocketIO;

/// <summary>One client's connection to one namespace: receives events, emits, joins rooms.</summary>
public sealed class Socket
{
    // Also this socket's lock, shared with its connection (see ClientConnection): a lock of its own was one more
    // object per socket for its whole life.
    private readonly ClientConnection _client;

    // The session every send goes to, read straight from here: through the connection it was one more object, and
    // in a fan-out one more cache miss, per delivery.
    private readonly EngineIO.EngineSession _session;
    private Dictionary<string, Func<SocketEvent, ValueTask>>? _handlers;
    private List<Func<SocketEvent, ValueTask>>? _anyHandlers;
    private List<Func<Socket, DisconnectReason, ValueTask>>? _disconnectHandlers;
    private Dictionary<long, TaskCompletionSource<SocketArgs>>? _pendingAcks;
    private Dictionary<string, object?>? _items;
    private long _nextAckId;
    private int _state; // 0 connecting, 1 connected, 2 disconnected
    private SocketRecoveryState? _recovery;

    // The rooms this socket is in, copy-on-write: changed only under its namespace's room index lock, read without
    // one. A socket is in a handful of rooms (its own id room and a user room), so one small array is kept for its
    // life where a hash set kept three objects.
    private string[] _rooms = [];

    internal Socket(SocketIONamespace ns, ClientConnection client, string id, Handshake handshake)
    {
        Namespace = ns;
        _client = client;
        _session = client.Session;
        Id = id;
        Handshake = handshake;
    }

    /// <summary>The socket id, unique per namespace connection (not the Engine.IO session id); a recovered socket has its old one.</summary>
    public string Id { get; private set; }

    /// <summary>
    /// The private id the client presents to recover this socket after a disconnection; null unless connection state
    /// recovery is enabled. Never share it: it stands for the session.
    /// </summary>
    public string? Pid => _recovery?.Pid;

    /// <summary>Whether this socket took over a disconnected session (socket.io's <c>socket.recovered</c>).</summary>
    public bool Recovered => _recovery?.Recovered ?? false;

    /// <summary>The namespace the socket belongs to.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>The CONNECT payload and HTTP handshake of the client.</summary>
    public Handshake Handshake { get; }

    /// <summary>Whether the socket is connected.</summary>
    public bool Connected => Volatile.Read(ref _state) == 1;

    /// <summary>Current transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => _session.Transport;

    /// <summary>Application state for this socket, e.g. the authenticated user.</summary>
    public IDictionary<string, object?> Items
    {
        get
        {
            lock (_client) return _items ??= new Dictionary<string, object?>(StringComparer.Ordinal);
        }
    }

    /// <summary>Rooms the socket is in (its own id room included).</summary>
    public IReadOnlyCollection<string> Rooms => [.. Volatile.Read(ref _rooms)];

    /// <summary>The rooms as they are now; the array is never changed afterwards.</summary>
    internal string[] RoomList => Volatile.Read(ref _rooms);

    /// <summary>Adds <paramref name="room"/> unless the socket is in it already. Under the room index lock only.</summary>
    internal void AddRoom(string room)
    {
        var rooms = _rooms;
        if (Array.IndexOf(rooms, room) >= 0) return;
        var grown = new string[rooms.Length + 1];
        rooms.CopyTo(grown, 0);
        grown[^1] = room;
        Volatile.Write(ref _rooms, grown);
    }

    /// <summary>Removes <paramref name="room"/> if the socket is in it. Under the room index lock only.</summary>
    internal void RemoveRoom(string room)
    {
        var rooms = _rooms;
        var at = Array.IndexOf(rooms, room);
        if (at < 0) return;
        var shrunk = rooms.Length == 1 ? [] : new string[rooms.Length - 1];
        rooms.AsSpan(0, at).CopyTo(shrunk);
        rooms.AsSpan(at + 1).CopyTo(shrunk.AsSpan(at));
        Volatile.Write(ref _rooms, shrunk);
    }

    /// <summary>Leaves every room and returns the ones it was in. Under the room index lock only.</summary>
    internal string[] TakeRooms()
    {
        var rooms = _rooms;
        Volatile.Write(ref _rooms, []);
        return rooms;
    }

    internal bool IsClosed => Volatile.Read(ref _state) == 2;

    internal ClientConnection Client => _client;

    internal string TransportAtConnect { get; set; } = "";

    /// <summary>Registers the handler of <paramref name="eventName"/>, replacing any earlier one.</summary>
    public Socket On(string eventName, Func<SocketEvent, ValueTask> handler)
    {
        lock (_client) (_handlers ??= new(StringComparer.Ordinal))[eventName] = handler;
        return this;
    }

    /// <summary>Registers a handler for every event (socket.io's <c>onAny</c>).</summary>
    public Socket OnAny(Func<SocketEvent, ValueTask> handler)
    {
        lock (_client) (_anyHandlers ??= []).Add(handler);
        return this;
    }

    /// <summary>Registers a handler run once when the socket disconnects, with the reason.</summary>
    public Socket OnDisconnect(Func<Socket, DisconnectReason, ValueTask> handler)
    {
        lock (_client) (_disconnectHandlers ??= []).Add(handler);
        return this;
    }

    /// <summary>
    /// Joins <paramref name="room"/> in this socket's namespace. Called from connection middleware, the join
    /// takes effect before the client is told it is connected, so no broadcast to the room can slip between.
    /// </summary>
    public void Join(string room) => Namespace.Rooms.Add(this, room);

    /// <summary>Leaves <paramref name="room"/>.</summary>
    public void Leave(string room) => Namespace.Rooms.Remove(this, room);

    /// <summary>Emits an event to this socket. Returns false when the socket is gone or its queue is full.</summary>
    public bool Emit(string eventName, params ReadOnlySpan<object?> args)
    {
        if (!Connected) return false;
        return Send(SocketPacketEncoder.Event(Namespace.Name, eventName, args, -1, Namespace.Server.SerializerOptions));
    }

    /// <summary>Emits an event and waits for the client's acknowledgement.</summary>
    /// <exception cref="TimeoutException">The client did not acknowledge within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The socket is or became disconnected.</exception>
    public async Task<SocketArgs> EmitWithAckAsync(string eventName, TimeSpan timeout, CancellationToken cancellationToken, params object?[] args)
    {
        var tcs = new TaskCompletionSource<SocketArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        long ackId;
        lock (_client)
        {
            if (_state != 1) throw new InvalidOperationException("The socket is not connected.");
            ackId = _nextAckId++;
            (_pendingAcks ??= [])[ackId] = tcs;
        }

        if (!Send(SocketPacketEncoder.Event(Namespace.Name, eventName, args, ackId, Namespace.Server.SerializerOptions)))
        {
            RemoveAck(ackId);
            throw new InvalidOperationException("The socket is not connected.");
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout, Namespace.Server.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RemoveAck(ackId);
        }
    }

    /// <summary>Emits and waits with the server's default ack timeout.</summary>
    public Task<SocketArgs> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(eventName, Namespace.Server.DefaultAckTimeout, CancellationToken.None, args);

    /// <summary>Disconnects the socket from its namespace; with <paramref name="close"/>, closes the whole connection too.</summary>
    public void Disconnect(bool close = false)
    {
        if (Connected) Send(SocketPacketEncoder.Disconnect(Namespace.Name));
        OnClosed(DisconnectReason.ServerNamespaceDisconnect);
        if (close) _session.Close();
    }

    internal bool Send(EncodedPacket packet) => _session.Enqueue(packet.Frames);

    /// <summary>Sends as one recipient of <paramref name="fanOut"/>.</summary>
    internal bool Send(EncodedPacket packet, in FanOut fanOut) => fanOut.Send(_session, packet.Frames);

    /// <summary>
    /// Sends an event that carries <paramref name="offset"/>: once, in offset order (see
    /// <see cref="SocketRecoveryState.HoldsOrSkips"/>).
    /// </summary>
    internal bool SendDurable(EncodedPacket packet, long offset, in FanOut fanOut) =>
        (_recovery is { } state && state.HoldsOrSkips(offset, packet, _client)) || Send(packet, fanOut);

    /// <summary>
    /// Gives the socket its part in connection state recovery before its middleware runs (which may join rooms): the
    /// durable broadcasts that reach it once indexed are held until it has caught up or replayed what it missed.
    /// </summary>
    internal void BeginRecovery(long? startOffset) => _recovery = SocketRecoveryState.Connecting(startOffset);

    /// <summary>Takes over <paramref name="session"/> before the socket is indexed: its id, private id and rooms.</summary>
    internal void Restore(RecoverableSession session, long afterOffset)
    {
        Id = session.SocketId;
        _recovery!.Restore(session.Pid, afterOffset, _client);
        foreach (var room in session.Rooms) Join(room);
    }

    /// <summary>This socket's part in connection state recovery; null while recovery is disabled.</summary>
    internal SocketRecoveryState? Recovery => _recovery;

    /// <summary>
    /// A newer connection recovered this socket's session while this one still stands (its client left without
    /// closing): this one goes, without touching the stored session the newer one now owns.
    /// </summary>
    internal void Supersede()
    {
        if (_recovery is { } state) state.Superseded = true;
        Disconnect();
    }

    internal bool SendAck(long ackId, ReadOnlySpan<object?> args) =>
        Connected && Send(SocketPacketEncoder.Ack(Namespace.Name, ackId, args, Namespace.Server.SerializerOptions));

    internal bool MarkConnected() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    internal void DispatchEvent(string name, SocketArgs args, long ackId)
    {
        Func<SocketEvent, ValueTask>? handler = null;
        Func<SocketEvent, ValueTask>[]? any = null;
        lock (_client)
        {
            _handlers?.TryGetValue(name, out handler);
            if (_anyHandlers is { Count: > 0 }) any = [.. _anyHandlers];
        }

        if (handler is null && any is null) return;
        var evt = new SocketEvent(this, name, args, ackId);
        if (any is not null)
        {
            foreach (var h in any) Namespace.Server.Invoke(h, evt, this);
        }

        if (handler is not null) Namespace.Server.Invoke(handler, evt, this);
    }

    internal void DispatchAck(long ackId, SocketArgs args)
    {
        TaskCompletionSource<SocketArgs>? tcs = null;
        lock (_client) _pendingAcks?.Remove(ackId, out tcs);
        tcs?.TrySetResult(args);
    }

    /// <summary>Leaves everything behind; runs the disconnect handlers once.</summary>
    internal void OnClosed(DisconnectReason reason)
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2) return;

        Func<Socket, DisconnectReason, ValueTask>[]? handlers;
        TaskCompletionSource<SocketArgs>[]? acks;
        lock (_client)
        {
            handlers = _disconnectHandlers?.ToArray();
            acks = _pendingAcks?.Values.ToArray();
            _pendingAcks?.Clear();
        }

        var rooms = RoomList;
        _client.Remove(this);
        Namespace.Remove(this, previous == 1, reason);
        if (previous == 1 && _recovery is { Superseded: false }) Namespace.Server.Recovery?.OnDisconnected(this, reason, rooms);
        if (acks is not null)
        {
            foreach (var ack in acks) ack.TrySetException(new InvalidOperationException($"The socket disconnected: {reason}."));
        }

        if (handlers is null || previous != 1) return;
        foreach (var h in handlers) Namespace.Server.Invoke(h, this, reason);
    }

    private void RemoveAck(long ackId)
    {
        lock (_client) _pendingAcks?.Remove(ackId);
    }
}
