using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// WebSocket handshakes naming a session that cannot take a WebSocket now: already upgraded, still probing another
/// socket, or on WebSocket from the start (a second tab's stale reconnect, a client that retries its upgrade).
/// <para>
/// engine.io answers them <c>101</c> and then at once an empty close frame, so the client sees its socket close (code
/// 1005) and not a failed handshake; the session and its own socket go on untouched. We do the same on every path:
/// at the listener and at the Kestrel connection (<see cref="DeclineClaimedAsync"/>), and in the HTTP pipeline
/// (<see cref="DeclineAsync"/>), where the connection path leaves a handshake (its switch off, a head split over
/// packets). An HTTP 400 reached browsers and the <c>ws</c> client as an error event instead of a close.
/// </para>
/// <para>
/// The close frame is written by hand (<see cref="WebSocketFrameHeader.EmptyClose"/>): the WebSocket API cannot send
/// one without a status code. The client's answering close is then read through System.Net.WebSockets, as engine.io's
/// <c>ws</c> waits for it before it ends the connection.
/// </para>
/// </summary>
internal sealed class WebSocketDecline(ILogger logger)
{
    // As long as a session's own socket waits for the client's close (WebSocketTransport's grace period).
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);

    /// <summary>The HTTP pipeline's decline: Kestrel writes the 101, then the upgraded stream carries the close frame.</summary>
    public async Task DeclineAsync(HttpContext context, EngineSession session)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            return;
        }

        EngineIOServer.Log.WebSocketDeclined(logger, session.Id, session.UpgradeRefusal);
        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = SwitchingProtocols.AcceptValue(context.Request.Headers.SecWebSocketKey.ToString());
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        await AwaitClientCloseAsync(stream, stream.WriteAsync(WebSocketFrameHeader.EmptyClose.ToArray())).ConfigureAwait(false);
    }

    /// <summary>The connection path's decline: the 101 and the close frame in one write, as engine.io's do.</summary>
    public Task DeclineClaimedAsync(ConnectionStream stream, string key, EngineSession session)
    {
        EngineIOServer.Log.WebSocketDeclined(logger, session.Id, session.UpgradeRefusal);
        return AwaitClientCloseAsync(stream, stream.WriteAsync(SwitchingProtocols.Response(key, WebSocketFrameHeader.EmptyClose)));
    }

    /// <summary>
    /// After <paramref name="written"/> (our close frame) completes, reads until the client's close frame, for at most
    /// <see cref="CloseWait"/>; then the stream, and with it the connection, is closed.
    /// </summary>
    private static async Task AwaitClientCloseAsync(Stream stream, ValueTask written)
    {
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        using var timeout = new CancellationTokenSource(CloseWait);
        var scratch = new byte[128];
        try
        {
            await written.ConfigureAwait(false);
            while ((await socket.ReceiveAsync(scratch, timeout.Token).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
                // Data the client sent before it saw the close: dropped.
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or ConnectionAbortedException)
        {
            // The client left, or never answered: the connection is closed all the same.
        }
    }
}
