using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Orders.Protocol.EngineIO.Handshakes;
using Orders.Protocol.EngineIO.Listening;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// WebSocket handshakes claimed before Kestrel's HTTP layer (at the Kestrel connection, see
/// <see cref="EngineIOConnectionMiddleware"/>, or at <see cref="EngineIOListener"/>): the 101 is written here, then the
/// session (new, or upgrading) runs on the connection's own stream.
/// </summary>
internal sealed class RawWebSocketSessions
{
    private readonly EngineIOServer _server;
    private readonly OpenPackets _openPackets;
    private readonly WebSocketRequests _requests;
    private readonly WebSocketSessionLoop _loop;
    private readonly WebSocketDecline _decline;

    public RawWebSocketSessions(EngineIOServer server, OpenPackets openPackets, WebSocketRequests requests, WebSocketSessionLoop loop, WebSocketDecline decline)
    {
        _server = server;
        _openPackets = openPackets;
        _requests = requests;
        _loop = loop;
        _decline = decline;
    }

    /// <summary>
    /// Answers 101 and runs the session. Not an async method of its own: the returned task is the receive loop's,
    /// so an idle socket holds no extra state machine for this step.
    /// </summary>
    public Task ServeAsync(ConnectionContext connection, WebSocketHandshake handshake, WebSocketClaim claim) =>
        ServeAsync(
            new ConnectionStream(connection.Transport, connection.Features.Get<IConnectionSocketFeature>()?.Socket),
            (connection.RemoteEndPoint as IPEndPoint)?.Address,
            handshake,
            claim);

    /// <summary>The same over <paramref name="stream"/>, which is the connection's (Kestrel's, or a socket of its own).</summary>
    public Task ServeAsync(ConnectionStream stream, IPAddress? remoteAddress, WebSocketHandshake handshake, WebSocketClaim claim)
    {
        if (claim.Declined is { } declined) return _decline.DeclineClaimedAsync(stream, handshake.Key, declined);

        var upgrading = claim.Upgrading;
        // The 101 goes through the same stream as every later frame, so nothing the session sends can overtake it.
        // The receive loop disposes the socket when it ends.
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        if (upgrading is not null)
        {
            var answered = stream.WriteAsync(SwitchingProtocols.Response(handshake.Key, default));
            return answered.IsCompletedSuccessfully
                ? _requests.RunUpgradeAsync(upgrading, socket, stream)
                : UpgradeAfterWriteAsync(answered, upgrading, socket, stream);
        }

        var request = new EngineHandshakeRequest(
            [.. handshake.Headers],
            handshake.QueryString,
            remoteAddress,
            isSecure: false,
            _server.UtcNow);
        var session = _server.CreateSession(request, TransportKind.WebSocket, claim.Permit);
        session.AttachWebSocket(socket, stream);

        // The 101 and the open packet leave in one write: one system call and one segment for the client to read,
        // where a connect storm paid for two.
        var written = stream.WriteAsync(SwitchingProtocols.Response(handshake.Key, _openPackets.ForWebSocket(session).Wire.Span));
        _server.OnOpened(session);
        return written.IsCompletedSuccessfully
            ? _loop.RunAsync(session, socket)
            : ReceiveAfterWriteAsync(written, session, socket);
    }

    private async Task UpgradeAfterWriteAsync(ValueTask written, EngineSession upgrading, WebSocket socket, ConnectionStream stream)
    {
        if (!await CompletedAsync(written).ConfigureAwait(false))
        {
            upgrading.AbandonUpgrade();
            socket.Dispose();
            return;
        }

        await _requests.RunUpgradeAsync(upgrading, socket, stream).ConfigureAwait(false);
    }

    private async Task ReceiveAfterWriteAsync(ValueTask written, EngineSession session, WebSocket socket)
    {
        if (!await CompletedAsync(written).ConfigureAwait(false))
        {
            session.Terminate(EngineCloseReason.TransportError);
            socket.Dispose();
            return;
        }

        await _loop.RunAsync(session, socket).ConfigureAwait(false);
    }

    /// <summary>False when the write failed because the connection is gone.</summary>
    private static async Task<bool> CompletedAsync(ValueTask written)
    {
        try
        {
            await written.ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException or ObjectDisposedException)
        {
            return false;
        }
    }
}
