using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orders.Protocol;
using Orders.Protocol.Diagnostics;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO;

namespace Orders.Bench.SocketIO;

/// <summary>
/// The real Engine.IO and Socket.IO objects (sessions, client connections, sockets, rooms) with
/// <see cref="NullWebSocket"/> transports, connected the way a client connects (CONNECT with <c>{"token":"u&lt;N&gt;"}</c>,
/// joined to <c>user:&lt;N&gt;</c> as the benchmark contract does). No Kestrel, no kernel.
/// </summary>
internal sealed class InProcessServer : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly EngineIOServer _engine;
    private readonly IEngineIOHandler _handler;
    private readonly HttpRequest _upgradeRequest;

    public InProcessServer()
    {
        _services = new ServiceCollection().AddLogging().AddSocketIO().BuildServiceProvider();
        Io = _services.GetRequiredService<SocketIOServer>();
        var options = _services.GetRequiredService<IOptions<SocketIOOptions>>().Value.EngineIO;
        _handler = new SocketIOEngineHandler(Io);
        _engine = new EngineIOServer(options, _handler, TimeProvider.System, NullLogger.Instance, _services.GetRequiredService<ProtocolMetrics>());
        Io.Default.OnConnection(socket =>
        {
            var token = socket.Handshake.Auth.GetProperty("token").GetString()!;
            socket.Join("user:" + token[1..]);
            return ValueTask.CompletedTask;
        });
        _upgradeRequest = UpgradeRequest();
    }

    public SocketIOServer Io { get; }

    /// <summary>Opens an Engine.IO session over a null WebSocket and connects it to <c>/</c> as user <paramref name="user"/>.</summary>
    public EngineSession Connect(int user, NullWebSocket socket)
    {
        var session = new EngineSession(_engine, SessionIdGenerator.NewId(), TransportKind.WebSocket, new EngineHandshakeRequest(_upgradeRequest, DateTimeOffset.UtcNow), _engine.Now);
        session.AttachWebSocket(socket);
        _handler.OnOpen(session);
        _handler.OnMessage(session, System.Text.Encoding.ASCII.GetBytes($"0{{\"token\":\"u{user.ToString(CultureInfo.InvariantCulture)}\"}}"));
        return session;
    }

    public void Dispose()
    {
        _engine.Dispose();
        _services.Dispose();
    }

    /// <summary>The headers socket.io-client (Node) sends on a WebSocket handshake.</summary>
    private static HttpRequest UpgradeRequest()
    {
        var context = new DefaultHttpContext();
        var r = context.Request;
        r.Method = "GET";
        r.Path = "/socket.io/";
        r.QueryString = new QueryString("?EIO=4&transport=websocket");
        r.Headers.Host = "127.0.0.1:3004";
        r.Headers.Connection = "Upgrade";
        r.Headers.Upgrade = "websocket";
        r.Headers.SecWebSocketVersion = "13";
        r.Headers.SecWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
        r.Headers.SecWebSocketExtensions = "permessage-deflate; client_max_window_bits";
        r.Headers.AcceptEncoding = "gzip, deflate, br";
        r.Headers.UserAgent = "node";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        return r;
    }
}
