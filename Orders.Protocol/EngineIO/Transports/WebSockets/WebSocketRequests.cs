using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orders.Protocol.EngineIO.Limits;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// WebSocket requests that come through ASP.NET Core's HTTP pipeline: a session opened on a WebSocket, and the upgrade
/// of a polling session with its probe (which a handshake claimed at the connection runs too).
/// </summary>
internal sealed class WebSocketRequests
{
    private readonly EngineIOServer _server;
    private readonly EngineIOOptions _options;
    private readonly OpenPackets _openPackets;
    private readonly WebSocketSessionLoop _loop;
    private readonly WebSocketDecline _decline;
    private readonly ILogger _logger;

    public WebSocketRequests(EngineIOServer server, OpenPackets openPackets, WebSocketSessionLoop loop, WebSocketDecline decline, ILogger logger)
    {
        _server = server;
        _options = server.Options;
        _openPackets = openPackets;
        _loop = loop;
        _decline = decline;
        _logger = logger;
    }

    /// <summary>A new session on a WebSocket that Kestrel's HTTP pipeline accepts; <paramref name="admission"/> is given back if none is.</summary>
    public async Task OpenAsync(HttpContext context, Admission admission)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            admission.Release();
            await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            return;
        }

        WebSocket socket;
        try
        {
            socket = await AcceptAsync(context).ConfigureAwait(false);
        }
        catch
        {
            admission.Release();
            throw;
        }

        using (socket)
        {
            await RunSessionAsync(new EngineHandshakeRequest(context.Request, _server.UtcNow), socket, admission.Permit).ConfigureAwait(false);
        }
    }

    /// <summary>A session opened directly on a WebSocket that Kestrel's HTTP pipeline accepted.</summary>
    private Task RunSessionAsync(EngineHandshakeRequest request, WebSocket socket, IDisposable? permit)
    {
        var session = _server.CreateSession(request, TransportKind.WebSocket, permit);
        session.AttachWebSocket(socket);
        session.Enqueue(_openPackets.ForWebSocket(session));
        _server.OnOpened(session);
        return _loop.RunAsync(session, socket);
    }

    /// <summary>A polling session's upgrade request.</summary>
    public async Task UpgradeAsync(HttpContext context, EngineSession session)
    {
        if (!context.WebSockets.IsWebSocketRequest || !_options.AllowUpgrades)
        {
            await EngineError.WriteAsync(context, EngineError.BadRequest).ConfigureAwait(false);
            return;
        }

        if (!session.TryBeginUpgrade())
        {
            await _decline.DeclineAsync(context, session).ConfigureAwait(false);
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
    public async Task RunUpgradeAsync(EngineSession session, WebSocket socket, ConnectionStream? frames = null)
    {
        if (!await ProbeAsync(session, socket, frames).ConfigureAwait(false))
        {
            session.AbandonUpgrade();
            await WebSocketTransport.CloseQuietlyAsync(socket).ConfigureAwait(false);
            socket.Dispose();
            return;
        }

        EngineIOServer.Log.Upgraded(_logger, session.Id);
        await _loop.RunAsync(session, socket).ConfigureAwait(false);
    }

    /// <summary>Runs <c>2probe</c> / <c>3probe</c> / <c>5</c> on the new socket; true once the session is switched to it.</summary>
    private async Task<bool> ProbeAsync(EngineSession session, WebSocket socket, ConnectionStream? frames)
    {
        try
        {
            while (true)
            {
                using var message = await WebSocketTransport.ReceiveAsync(socket, _options.MaxHttpBufferSize, _server.Stopping).ConfigureAwait(false);
                if (message.Outcome != WebSocketReceiveOutcome.Message || message.IsBinary) return false;
                var span = message.Span;
                if (span.SequenceEqual("2probe"u8))
                {
                    await socket.SendAsync(OutgoingFrame.ProbeAnswer.Payload, WebSocketMessageType.Text, true, _server.Stopping).ConfigureAwait(false);
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

    private static Task<WebSocket> AcceptAsync(HttpContext context) =>
        context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
}
