using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>A WebSocket session's receive loop, however its socket was accepted, and the close handshake after it.</summary>
internal sealed class WebSocketSessionLoop
{
    private readonly EngineIOServer _server;
    private readonly EngineIOOptions _options;
    private readonly ILogger _logger;

    public WebSocketSessionLoop(EngineIOServer server, ILogger logger)
    {
        _server = server;
        _options = server.Options;
        _logger = logger;
    }

    /// <summary>
    /// Reads the session's messages until the socket closes, then disposes it. An idle socket waits in a zero-byte
    /// read awaited here directly, so no receive buffer and no further state machine of ours is held between messages.
    /// </summary>
    public async Task RunAsync(EngineSession session, WebSocket socket)
    {
        var reason = EngineCloseReason.TransportClose;
        try
        {
            while (true)
            {
                var probe = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                using var message = await WebSocketTransport.ReceiveAsync(socket, probe, _options.MaxHttpBufferSize).ConfigureAwait(false);
                if (message.Outcome == WebSocketReceiveOutcome.Closed) break;
                if (message.Outcome == WebSocketReceiveOutcome.TooLarge)
                {
                    EngineIOServer.Log.PayloadTooLarge(_logger, session.Id, _options.MaxHttpBufferSize);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None).ConfigureAwait(false);
                    reason = EngineCloseReason.PayloadTooLarge;
                    break;
                }

                // What the handler sends in answer leaves packet by packet, as engine.io's (see EngineSession.Answering).
                session.Answering = true;
                var parsed = true;
                try
                {
                    if (message.IsBinary) _server.OnBinaryPacket(session, message.Span);
                    else parsed = _server.OnTextPacket(session, message.Span, viaWebSocket: true);
                }
                finally
                {
                    session.Answering = false;
                }

                if (!parsed)
                {
                    EngineIOServer.Log.ParseError(_logger, session.Id, session.Transport);
                    reason = EngineCloseReason.ParseError;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = EngineCloseReason.ServerShuttingDown;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            reason = EngineCloseReason.TransportError;
        }

        if (reason == EngineCloseReason.ParseError)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.InvalidPayloadData, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                // Already gone.
            }
        }

        session.Terminate(reason);
        await DrainUntilClosedAsync(socket).ConfigureAwait(false);
        socket.Dispose();
    }

    /// <summary>Reads (and drops) until the peer answers our close frame, so the connection ends cleanly.</summary>
    private static async Task DrainUntilClosedAsync(WebSocket socket)
    {
        if (socket.State != WebSocketState.CloseSent) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var scratch = new byte[256];
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch, timeout.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // Peer gone or silent: the connection is dropped below.
        }
    }
}
