using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>WebSocket requests: direct connections, the upgrade probe, and the receive loop.</summary>
internal sealed partial class EngineIOServer
{
    private async Task UpgradeAsync(HttpContext context, EngineSession session)
    {
        if (!context.WebSockets.IsWebSocketRequest || !Options.AllowUpgrades)
        {
            await RefuseAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            return;
        }

        if (!session.TryBeginUpgrade())
        {
            await DeclineUpgradeAsync(context, session).ConfigureAwait(false);
            return;
        }

        WebSocket socket;
        try
        {
            socket = await AcceptAsync(context).ConfigureAwait(false);
        }
        catch
        {
            session.AbandonUpgrade();
            throw;
        }

        using (socket)
        {
            await RunUpgradeAsync(session, socket).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The probe and then the session's receive loop on a WebSocket accepted for an upgrade. <paramref name="frames"/>
    /// is the connection the socket frames over when the session may write prebuilt frames to it.
    /// </summary>
    private async Task RunUpgradeAsync(EngineSession session, WebSocket socket, ConnectionStream? frames = null)
    {
        if (!await ProbeAsync(session, socket, frames).ConfigureAwait(false))
        {
            session.AbandonUpgrade();
            await WebSocketTransport.CloseQuietlyAsync(socket).ConfigureAwait(false);
            socket.Dispose();
            return;
        }

        Log.Upgraded(_logger, session.Id);
        await ReceiveLoopAsync(session, socket).ConfigureAwait(false);
    }

    /// <summary>Runs <c>2probe</c> / <c>3probe</c> / <c>5</c> on the new socket; true once the session is switched to it.</summary>
    private async Task<bool> ProbeAsync(EngineSession session, WebSocket socket, ConnectionStream? frames)
    {
        try
        {
            while (true)
            {
                using var message = await WebSocketTransport.ReceiveAsync(socket, Options.MaxHttpBufferSize, _stopping.Token).ConfigureAwait(false);
                if (message.Outcome != WebSocketReceiveOutcome.Message || message.IsBinary) return false;
                var span = message.Span;
                if (span.SequenceEqual("2probe"u8))
                {
                    await socket.SendAsync(OutgoingFrame.ProbeAnswer.Payload, WebSocketMessageType.Text, true, _stopping.Token).ConfigureAwait(false);
                }
                else if (span.SequenceEqual("5"u8))
                {
                    return session.CompleteUpgrade(socket, frames);
                }
                else if (!span.SequenceEqual("6"u8))
                {
                    return false;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the session's messages until the socket closes, then disposes it. An idle socket waits in a zero-byte
    /// read awaited here directly, so no receive buffer and no further state machine of ours is held between messages.
    /// </summary>
    private async Task ReceiveLoopAsync(EngineSession session, WebSocket socket)
    {
        var reason = EngineCloseReason.TransportClose;
        try
        {
            while (true)
            {
                var probe = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                using var message = await WebSocketTransport.ReceiveAsync(socket, probe, Options.MaxHttpBufferSize).ConfigureAwait(false);
                if (message.Outcome == WebSocketReceiveOutcome.Closed) break;
                if (message.Outcome == WebSocketReceiveOutcome.TooLarge)
                {
                    Log.PayloadTooLarge(_logger, session.Id, Options.MaxHttpBufferSize);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None).ConfigureAwait(false);
                    reason = EngineCloseReason.PayloadTooLarge;
                    break;
                }

                // What the handler sends in answer leaves packet by packet, as engine.io's (see EngineSession.Answering).
                session.Answering = true;
                var parsed = true;
                try
                {
                    if (message.IsBinary) OnBinaryPacket(session, message.Span);
                    else parsed = OnTextPacket(session, message.Span, viaWebSocket: true);
                }
                finally
                {
                    session.Answering = false;
                }

                if (!parsed)
                {
                    Log.ParseError(_logger, session.Id, session.Transport);
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

    private static Task<WebSocket> AcceptAsync(HttpContext context) =>
        context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
}
