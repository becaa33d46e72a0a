using System.Diagnostics.Metrics;

namespace Orders.Protocol.Diagnostics;

/// <summary>Counters of the Socket.IO server on the meter <c>Orders.Protocol</c>, exported by whatever the host configures.</summary>
internal sealed class ProtocolMetrics
{
    public const string MeterName = "Orders.Protocol";

    private readonly UpDownCounter<long> _engineSessions;
    private readonly Counter<long> _engineCloses;
    private readonly Counter<long> _handshakeRefusals;
    private readonly UpDownCounter<long> _connectedSockets;
    private readonly Counter<long> _connections;
    private readonly Counter<long> _disconnections;
    private readonly Counter<long> _connectRejections;
    private readonly Counter<long> _packetsSent;
    private readonly Counter<long> _recoveries;

    public ProtocolMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _engineSessions = meter.CreateUpDownCounter<long>("engineio.sessions", description: "Open Engine.IO sessions by transport.");
        _engineCloses = meter.CreateCounter<long>("engineio.closes", description: "Engine.IO sessions closed, by reason.");
        _handshakeRefusals = meter.CreateCounter<long>(
            "engineio.handshake_refusals", description: "Handshakes refused by the per-address limits, by reason (too many handshakes, too many sessions).");
        _connectedSockets = meter.CreateUpDownCounter<long>("socketio.connected_sockets", description: "Connected Socket.IO sockets by namespace and transport.");
        _connections = meter.CreateCounter<long>("socketio.connections", description: "Socket.IO namespace connections accepted.");
        _disconnections = meter.CreateCounter<long>("socketio.disconnections", description: "Socket.IO disconnections by reason.");
        _connectRejections = meter.CreateCounter<long>("socketio.connect_rejections", description: "Namespace connections refused (middleware or unknown namespace).");
        _packetsSent = meter.CreateCounter<long>("socketio.broadcast_recipients", description: "Recipients of room and namespace broadcasts.");
        _recoveries = meter.CreateCounter<long>(
            "socketio.recoveries", description: "Connections that presented a private id to recover, by result (recovered, or why not).");
    }

    public void SessionOpened(string transport) => _engineSessions.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void SessionUpgraded()
    {
        _engineSessions.Add(-1, new KeyValuePair<string, object?>("transport", "polling"));
        _engineSessions.Add(1, new KeyValuePair<string, object?>("transport", "websocket"));
    }

    public void SessionClosed(string transport, string reason)
    {
        _engineSessions.Add(-1, new KeyValuePair<string, object?>("transport", transport));
        _engineCloses.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void HandshakeRefused(string reason) => _handshakeRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SocketConnected(string ns, string transport)
    {
        _connectedSockets.Add(1, new("namespace", ns), new("transport", transport));
        _connections.Add(1, new KeyValuePair<string, object?>("namespace", ns));
    }

    public void SocketTransportChanged(string ns, string from, string to)
    {
        _connectedSockets.Add(-1, new("namespace", ns), new("transport", from));
        _connectedSockets.Add(1, new("namespace", ns), new("transport", to));
    }

    public void SocketDisconnected(string ns, string transport, string reason)
    {
        _connectedSockets.Add(-1, new("namespace", ns), new("transport", transport));
        _disconnections.Add(1, new("namespace", ns), new("reason", reason));
    }

    public void ConnectRejected(string ns, string reason) =>
        _connectRejections.Add(1, new("namespace", ns), new("reason", reason));

    public void BroadcastSent(string ns, int recipients) =>
        _packetsSent.Add(recipients, new KeyValuePair<string, object?>("namespace", ns));

    public void RecoveryAttempted(string ns, string result) =>
        _recoveries.Add(1, new("namespace", ns), new("result", result));
}
