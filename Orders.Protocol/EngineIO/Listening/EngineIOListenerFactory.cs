using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orders.Protocol.EngineIO.Listening;

/// <summary>
/// Kestrel's transport for IP endpoints once Socket.IO is added: <see cref="EngineIOListener"/> where it applies,
/// Kestrel's own socket transport (with the same <see cref="SocketTransportOptions"/>) everywhere else. Whether it applies
/// is read from the host's Engine.IO options (<c>AddSocketIO</c>'s <c>EngineIO</c>); <c>MapEngineIO</c>'s own <c>IO</c> does
/// not decide the listener.
/// </summary>
internal sealed class EngineIOListenerFactory(
    IOptions<SocketTransportOptions> transport,
    IOptions<KestrelServerOptions> kestrel,
    IOptions<EngineIOOptions> engineIO,
    EngineIOConnectionRegistry registry,
    ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _kestrel = new(transport, loggers);

    public bool CanBind(EndPoint endpoint) => _kestrel.CanBind(endpoint);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        // The registry is filled by MapSocketIO and MapEngineIO, before the server starts and binds.
        // A connection limit is Kestrel's to count: sockets served here would escape it, so it keeps every connection.
        var io = engineIO.Value.IO;
        if (!io.AcceptWebSocketsAtListener || !io.AcceptWebSocketsOnConnection || registry.IsEmpty || endpoint is not IPEndPoint
            || kestrel.Value.Limits.MaxConcurrentConnections is not null)
        {
            return _kestrel.BindAsync(endpoint, cancellationToken);
        }

        return ValueTask.FromResult<IConnectionListener>(EngineIOListener.Bind(endpoint, transport.Value, registry, loggers));
    }
}
