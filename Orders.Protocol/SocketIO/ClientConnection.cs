using System.Text.Json;
using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// The Socket.IO side of one Engine.IO session: which namespaces it joined, binary packets being reassembled,
/// and the connect timeout that closes a connection joining none.
/// </summary>
internal sealed class ClientConnection
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly SocketIOServer _server;

    // Guarded by the connection itself: it is internal and locked only here and by its sockets (Socket locks its
    // client for its handlers and acks), so one object per connection serves as the lock of both. Every section under
    // it is a leaf (it takes no other lock of ours), so sharing it cannot order two of our locks against each other.
    private NamespaceSockets _sockets;
    private PendingBinary? _pending;
    private ITimer? _connectTimer;
    private bool _closed;

    public ClientConnection(SocketIOServer server, EngineSession session)
    {
        _server = server;
        Session = session;
        ArmConnectTimeout();
    }

    public EngineSession Session { get; }

    public Socket[] Sockets
    {
        get
        {
            lock (this) return _sockets.ToArray();
        }
    }

    public void OnMessage(ReadOnlySpan<byte> text)
    {
        if (_pending is not null || !SocketPacketParser.TryParse(text, _server.Options.MaxJsonDepth, out var packet))
        {
            ProtocolError();
            return;
        }

        if (packet.Attachments > 0)
        {
            _pending = new PendingBinary(packet);
            return;
        }

        Handle(packet, []);
    }

    public void OnBinary(ReadOnlySpan<byte> data)
    {
        var pending = _pending;
        if (pending is null)
        {
            ProtocolError();
            return;
        }

        pending.Attachments.Add(data.ToArray());
        if (pending.Attachments.Count < pending.Packet.Attachments) return;
        _pending = null;
        Handle(pending.Packet, pending.Attachments);
    }

    public void OnUpgraded()
    {
        foreach (var socket in Sockets) _server.Metrics.SocketTransportChanged(socket.Namespace.Name, socket.TransportAtConnect, TransportNames.WebSocket);
        foreach (var socket in Sockets) socket.TransportAtConnect = TransportNames.WebSocket;
    }

    public void OnClose(EngineCloseReason reason)
    {
        lock (this)
        {
            _closed = true;
            _connectTimer?.Dispose();
            _connectTimer = null;
        }

        var disconnect = new DisconnectReason(reason.ToName());
        foreach (var socket in Sockets) socket.OnClosed(disconnect);
    }

    public void Remove(Socket socket)
    {
        lock (this)
        {
            if (_sockets.Remove(socket) && _sockets.Count == 0 && !_closed) ArmConnectTimeoutLocked();
        }
    }

    private void Handle(SocketPacket packet, List<byte[]> attachments)
    {
        switch (packet.Type)
        {
            case SocketPacketType.Connect:
                _ = ConnectAsync(packet.Namespace, packet.Data ?? EmptyObject);
                return;
            case SocketPacketType.Disconnect:
                Find(packet.Namespace)?.OnClosed(DisconnectReason.ClientNamespaceDisconnect);
                return;
            case SocketPacketType.Event or SocketPacketType.BinaryEvent:
            {
                var args = new SocketArgs(packet.Data!.Value, 1, attachments);
                if (attachments.Count > 0 && !args.PlaceholdersAreValid())
                {
                    ProtocolError();
                    return;
                }

                Find(packet.Namespace)?.DispatchEvent(packet.Data!.Value[0].GetString()!, args, packet.AckId);
                return;
            }

            case SocketPacketType.Ack or SocketPacketType.BinaryAck:
                Find(packet.Namespace)?.DispatchAck(packet.AckId, new SocketArgs(packet.Data!.Value, 0, attachments));
                return;
        }
    }

    private async Task ConnectAsync(string name, JsonElement auth)
    {
        if (!_server.TryGetNamespace(name, out var ns))
        {
            _server.Metrics.ConnectRejected(name, "invalid namespace");
            Session.Enqueue(SocketPacketEncoder.ConnectError(name, "Invalid namespace", null, _server.SerializerOptions).Frames);
            return;
        }

        lock (this)
        {
            if (_closed || _sockets.Contains(name)) return;
        }

        var socket = new Socket(ns, this, SessionIdGenerator.NewId(), new Handshake(Session.Request, auth));
        var recovery = _server.Recovery;

        // Before middleware can join the socket to rooms: durable events broadcast to them from here on are for this
        // client, though the socket is indexed (and reached by broadcasts) only once it connects; it catches up on them
        // then, and a client that drops before any event reaches it recovers from here.
        if (recovery is not null) socket.BeginRecovery(ns.LastDurableOffset);
        ConnectResult result;
        try
        {
            result = await ns.RunMiddlewaresAsync(socket).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.LogMiddlewareFailure(ex, name);
            result = ConnectResult.Reject("Internal server error");
        }

        if (!result.Accepted)
        {
            _server.Metrics.ConnectRejected(name, "middleware");
            _server.LogConnectRejected(name, result.Message!);
            Session.Enqueue(SocketPacketEncoder.ConnectError(name, result.Message!, result.Data, _server.SerializerOptions).Frames);
            return;
        }

        var plan = recovery is null ? null : await recovery.TryPlanAsync(socket, auth).ConfigureAwait(false);

        lock (this)
        {
            if (_closed || !Session.IsOpen || _sockets.Contains(name)) return;
            _sockets.Add(socket);
            _connectTimer?.Dispose();
            _connectTimer = null;
        }

        if (plan is not null)
        {
            // The client left without its old connection noticing: that one goes, and this one takes its place.
            if (ns.Rooms.TryGetSingle(plan.Session.SocketId, out var stale) && stale is not null) stale.Supersede();
            socket.Restore(plan.Session, plan.AfterOffset);
        }
        else
        {
            socket.Recovery?.Start(this);
        }

        socket.MarkConnected();
        socket.TransportAtConnect = Session.Transport;
        ns.Add(socket);
        socket.Send(SocketPacketEncoder.Connect(name, socket.Id, socket.Pid));
        _server.OnSocketConnected(socket);
        if (plan is not null) await recovery!.ReplayAsync(socket, plan).ConfigureAwait(false);
        else if (recovery is not null) await recovery.CatchUpAsync(socket).ConfigureAwait(false);
        recovery?.OnConnected(socket);
        ns.NotifyConnected(socket);
    }

    private Socket? Find(string ns)
    {
        lock (this) return _sockets.Find(ns);
    }

    private void ProtocolError()
    {
        _pending = null;
        _server.LogParseError(Session.Id);
        Session.Terminate(EngineCloseReason.ParseError);
    }

    private void ArmConnectTimeout()
    {
        lock (this) ArmConnectTimeoutLocked();
    }

    private void ArmConnectTimeoutLocked()
    {
        _connectTimer?.Dispose();
        _connectTimer = _server.TimeProvider.CreateTimer(
            static state => ((ClientConnection)state!).OnConnectTimeout(), this, _server.ConnectTimeout, Timeout.InfiniteTimeSpan);
    }

    private void OnConnectTimeout()
    {
        lock (this)
        {
            if (_sockets.Count > 0 || _closed) return;
        }

        _server.LogConnectTimeout(Session.Id);
        Session.Close();
    }

    private sealed class PendingBinary(SocketPacket packet)
    {
        public SocketPacket Packet { get; } = packet;

        public List<byte[]> Attachments { get; } = new(packet.Attachments);
    }
}
