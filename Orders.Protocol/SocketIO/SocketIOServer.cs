using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO.Adapters;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// The Socket.IO server: namespaces by name. Registered as a singleton by <c>AddSocketIO</c>; the main
/// namespace <c>/</c> always exists, others exist once <see cref="Of"/> names them.
/// </summary>
public sealed partial class SocketIOServer
{
    private readonly ConcurrentDictionary<string, SocketIONamespace> _namespaces = new(StringComparer.Ordinal);
    private readonly ILogger<SocketIOServer> _logger;

    // The endpoints serving this server (usually one), for ShutdownAsync.
    private readonly ConcurrentBag<EngineIO.EngineIOServer> _engines = [];

    internal SocketIOServer(
        IOptions<SocketIOOptions> options, TimeProvider timeProvider, ILogger<SocketIOServer> logger, ProtocolMetrics metrics, EngineWrites writes,
        IConnectionStateStore stateStore, ISocketIOAdapter adapter)
    {
        Adapter = adapter;
        Options = options.Value;
        TimeProvider = timeProvider;
        _logger = logger;
        Metrics = metrics;
        SerializerOptions = Options.SerializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        Writes = writes;
        var recovery = Options.ConnectionStateRecovery;
        Recovery = recovery.Enabled ? new SessionRecovery(recovery, stateStore, timeProvider, metrics, logger) : null;
        if (Writes.Mode is { } mode) Log.SendBatching(logger, mode);
        Of("/");
    }

    /// <summary>
    /// A batch for many emits in a row: their WebSocket writes go out together when it is disposed. See <see cref="EmitBatch"/>.
    /// </summary>
    public EmitBatch BeginEmitBatch() => new(Writes.BeginHeld());

    /// <summary>
    /// Closes every client's transport after what is queued for it has been sent, and refuses new connections: a
    /// client sees its connection lost (<c>transport close</c>), not a server-side disconnect, so it reconnects (to
    /// another node) and, with connection state recovery, recovers its session there. No Socket.IO <c>disconnect</c>
    /// packet is sent, which would stop the client from reconnecting. Resolves once all are closed; when
    /// <paramref name="cancellationToken"/> fires first, the remaining connections are ended at once.
    /// </summary>
    public Task ShutdownAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_engines.Select(engine => engine.CloseAllAsync(cancellationToken)));

    internal void Attach(EngineIO.EngineIOServer engine) => _engines.Add(engine);

    /// <summary>The main namespace <c>/</c>.</summary>
    public SocketIONamespace Default => Of("/");

    internal SocketIOOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ProtocolMetrics Metrics { get; }

    /// <summary>How event arguments are written: <see cref="SocketIOOptions.SerializerOptions"/> or the default.</summary>
    public JsonSerializerOptions SerializerOptions { get; }

    /// <summary>Where ad-hoc broadcasts go beyond this node.</summary>
    internal ISocketIOAdapter Adapter { get; }

    /// <summary>
    /// Delivers a broadcast another node made to the sockets of this one, without forwarding it again. Called by an
    /// <see cref="ISocketIOAdapter"/>; returns the number of recipients here. A packet that is not a Socket.IO event
    /// or names an unknown namespace is ignored (0).
    /// </summary>
    public int DeliverFromPeer(PeerBroadcast broadcast)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        if (broadcast.Packet.Length < 2 || broadcast.Packet[0] != '2' || !TryGetNamespace(broadcast.Namespace, out var ns)) return 0;
        var frame = EngineIO.OutgoingFrame.AllocateText(1 + System.Text.Encoding.UTF8.GetByteCount(broadcast.Packet), out var payload);
        payload[0] = EngineIO.EnginePacketType.Message;
        System.Text.Encoding.UTF8.GetBytes(broadcast.Packet, payload[1..]);
        return new BroadcastOperator(ns, [.. broadcast.Rooms], [.. broadcast.Except]).DeliverFromPeer(new EncodedPacket(frame));
    }

    /// <summary>Connection state recovery; null while it is disabled.</summary>
    internal SessionRecovery? Recovery { get; }

    /// <summary>How the WebSocket writes of the sessions are made: pump, batches or directly.</summary>
    internal EngineWrites Writes { get; }

    internal TimeSpan ConnectTimeout => Options.ConnectTimeout;

    internal TimeSpan DefaultAckTimeout => Options.DefaultAckTimeout;

    /// <summary>The namespace <paramref name="name"/>, created on first use.</summary>
    public SocketIONamespace Of(string name)
    {
        if (string.IsNullOrEmpty(name) || name[0] != '/') throw new ArgumentException("A namespace name starts with '/'.", nameof(name));
        return _namespaces.GetOrAdd(name, static (n, server) => new SocketIONamespace(server, n), this);
    }

    internal bool TryGetNamespace(string name, [NotNullWhen(true)] out SocketIONamespace? ns) => _namespaces.TryGetValue(name, out ns);

    internal void OnSocketConnected(Socket socket)
    {
        Metrics.SocketConnected(socket.Namespace.Name, socket.TransportAtConnect);
        Log.SocketConnected(_logger, socket.Id, socket.Namespace.Name, socket.TransportAtConnect);
    }

    internal void OnSocketDisconnected(Socket socket, DisconnectReason reason)
    {
        Metrics.SocketDisconnected(socket.Namespace.Name, socket.TransportAtConnect, reason.Name);
        Log.SocketDisconnected(_logger, socket.Id, socket.Namespace.Name, reason.Name);
    }

    /// <summary>Runs an application handler; a failure is logged and never reaches the connection.</summary>
    internal void Invoke<T>(Func<T, ValueTask> handler, T arg, Socket? socket = null)
    {
        try
        {
            var task = handler(arg);
            if (!task.IsCompletedSuccessfully) _ = AwaitHandlerAsync(task, socket);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, socket?.Id);
        }
    }

    internal void Invoke(Func<Socket, DisconnectReason, ValueTask> handler, Socket socket, DisconnectReason reason)
    {
        try
        {
            var task = handler(socket, reason);
            if (!task.IsCompletedSuccessfully) _ = AwaitHandlerAsync(task, socket);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, socket.Id);
        }
    }

    internal void Invoke(Func<SocketEvent, ValueTask> handler, SocketEvent evt, Socket socket) => Invoke<SocketEvent>(handler, evt, socket);

    private async Task AwaitHandlerAsync(ValueTask task, Socket? socket)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, socket?.Id);
        }
    }

    internal void LogParseError(string sid) => Log.ParseError(_logger, sid);

    internal void LogConnectTimeout(string sid) => Log.ConnectTimeout(_logger, sid);

    internal void LogConnectRejected(string ns, string message) => Log.ConnectRejected(_logger, ns, message);

    internal void LogNotForwarded(string ns) => Log.NotForwarded(_logger, ns);

    internal void LogMiddlewareFailure(Exception ex, string ns) => Log.MiddlewareFailed(_logger, ex, ns);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Socket {SocketId} connected to {Namespace} over {Transport}")]
        public static partial void SocketConnected(ILogger logger, string socketId, string @namespace, string transport);

        [LoggerMessage(2, LogLevel.Debug, "Socket {SocketId} left {Namespace}: {Reason}")]
        public static partial void SocketDisconnected(ILogger logger, string socketId, string @namespace, string reason);

        [LoggerMessage(3, LogLevel.Error, "Socket.IO handler failed for socket {SocketId}")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string? socketId);

        [LoggerMessage(4, LogLevel.Warning, "Session {Sid} sent a malformed Socket.IO packet; closing it (parse error)")]
        public static partial void ParseError(ILogger logger, string sid);

        [LoggerMessage(5, LogLevel.Information, "Session {Sid} joined no namespace within the connect timeout; closing it")]
        public static partial void ConnectTimeout(ILogger logger, string sid);

        [LoggerMessage(6, LogLevel.Debug, "Connection to {Namespace} refused: {Message}")]
        public static partial void ConnectRejected(ILogger logger, string @namespace, string message);

        [LoggerMessage(7, LogLevel.Error, "Connection middleware of {Namespace} failed")]
        public static partial void MiddlewareFailed(ILogger logger, Exception exception, string @namespace);

        [LoggerMessage(9, LogLevel.Warning, "A broadcast in {Namespace} with binary attachments stays on this node: the adapter forwards text packets only")]
        public static partial void NotForwarded(ILogger logger, string @namespace);

        [LoggerMessage(8, LogLevel.Information, "WebSocket writes are {Mode}")]
        public static partial void SendBatching(ILogger logger, string mode);
    }
}
