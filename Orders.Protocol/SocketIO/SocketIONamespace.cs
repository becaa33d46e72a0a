using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Orders.Protocol.SocketIO;

/// <summary>A Socket.IO namespace: its connection middleware, connection handlers, sockets and rooms.</summary>
public sealed class SocketIONamespace
{
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private ImmutableArray<Func<Socket, ValueTask<ConnectResult>>> _middlewares = [];
    private ImmutableArray<Func<Socket, ValueTask>> _connectionHandlers = [];

    internal SocketIONamespace(SocketIOServer server, string name)
    {
        Server = server;
        Name = name;
    }

    /// <summary>The namespace name, e.g. <c>/</c> or <c>/admin</c>.</summary>
    public string Name { get; }

    /// <summary>Connected sockets.</summary>
    public int SocketCount => _sockets.Count;

    /// <summary>The connected sockets.</summary>
    public IReadOnlyCollection<Socket> Sockets => [.. _sockets.Keys];

    /// <summary>Rooms with at least one member (each socket's own id room included).</summary>
    public IReadOnlyCollection<string> RoomNames => Rooms.Names;

    internal SocketIOServer Server { get; }

    internal RoomIndex Rooms { get; } = new();

    internal ConcurrentDictionary<Socket, byte> SocketMap => _sockets;

    /// <summary>Durable emits (those carrying an offset) go out one at a time under this lock, in offset order.</summary>
    internal Lock DurableGate { get; } = new();

    /// <summary>The offset of the last durable emit, or null before the first; read and written under <see cref="DurableGate"/>.</summary>
    internal long? LastDurableOffset
    {
        get
        {
            lock (DurableGate) return _lastDurableOffset;
        }
    }

    private long? _lastDurableOffset;

    internal void MarkDurable(long offset) => _lastDurableOffset = offset;

    /// <summary>
    /// Tells connection state recovery that the application's durable log holds events up to <paramref name="offset"/>
    /// already sent (or never to be sent live), typically the log's newest position when the application starts. A
    /// socket that connects afterwards and drops before it receives any event recovers from there. Durable emits
    /// (<see cref="BroadcastOperator.EmitWithOffset"/>) advance it by themselves; it never moves back.
    /// </summary>
    public void MarkOffset(long offset)
    {
        lock (DurableGate)
        {
            if (_lastDurableOffset is not { } last || offset > last) _lastDurableOffset = offset;
        }
    }

    /// <summary>Adds connection middleware, run in order before a socket connects (socket.io's <c>use</c>).</summary>
    public SocketIONamespace Use(Func<Socket, ValueTask<ConnectResult>> middleware)
    {
        ImmutableInterlocked.Update(ref _middlewares, list => list.Add(middleware));
        return this;
    }

    /// <summary>Adds a handler run for every socket that connects.</summary>
    public SocketIONamespace OnConnection(Func<Socket, ValueTask> handler)
    {
        ImmutableInterlocked.Update(ref _connectionHandlers, list => list.Add(handler));
        return this;
    }

    /// <summary>Targets the members of <paramref name="room"/>.</summary>
    public BroadcastOperator To(string room) => new(this, [room], []);

    /// <summary>Targets every socket except the members of <paramref name="room"/>.</summary>
    public BroadcastOperator Except(string room) => new(this, [], [room]);

    /// <summary>Emits to every socket of the namespace; returns the number of recipients.</summary>
    public int Emit(string eventName, params ReadOnlySpan<object?> args) => new BroadcastOperator(this, [], []).Emit(eventName, args);

    internal ValueTask<ConnectResult> RunMiddlewaresAsync(Socket socket)
    {
        // Middlewares that finish synchronously (most do) cost no task per connect.
        var middlewares = _middlewares;
        for (var i = 0; i < middlewares.Length; i++)
        {
            var pending = middlewares[i](socket);
            if (!pending.IsCompletedSuccessfully) return FinishMiddlewaresAsync(pending, socket, middlewares, i + 1);
            var result = pending.Result;
            if (!result.Accepted) return new(result);
        }

        return new(ConnectResult.Accept);
    }

    private static async ValueTask<ConnectResult> FinishMiddlewaresAsync(
        ValueTask<ConnectResult> pending, Socket socket, ImmutableArray<Func<Socket, ValueTask<ConnectResult>>> middlewares, int next)
    {
        var result = await pending.ConfigureAwait(false);
        for (var i = next; result.Accepted && i < middlewares.Length; i++) result = await middlewares[i](socket).ConfigureAwait(false);
        return result.Accepted ? ConnectResult.Accept : result;
    }

    internal void Add(Socket socket)
    {
        _sockets[socket] = 0;
        Rooms.AddConnected(socket);
    }

    internal void NotifyConnected(Socket socket)
    {
        foreach (var handler in _connectionHandlers) Server.Invoke(handler, socket);
    }

    internal void Remove(Socket socket, bool wasConnected, DisconnectReason reason)
    {
        Rooms.RemoveAll(socket);
        if (_sockets.TryRemove(socket, out _) && wasConnected) Server.OnSocketDisconnected(socket, reason);
    }
}
