using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Orders.Protocol.EngineIO.Handshakes;
using Orders.Protocol.EngineIO.Listening;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>WebSocket handshakes answered at the Kestrel connection (see <see cref="EngineIOConnectionMiddleware"/>).</summary>
internal sealed partial class EngineIOServer
{
    /// <summary>
    /// Takes the handshake when it is one this endpoint would accept; anything it would refuse (a new session the
    /// client address may not open included) is left to the HTTP pipeline, which answers with the usual Engine.IO
    /// error body. A handshake naming a session that cannot take a WebSocket now (already upgraded or upgrading, or on
    /// WebSocket from the start) is taken, to be declined: it is answered and closed at once, as engine.io does and as
    /// the HTTP pipeline does (<see cref="DeclineUpgradeAsync"/>).
    /// </summary>
    internal WebSocketClaim TryClaimWebSocket(WebSocketHandshake handshake, IPAddress? remoteAddress)
    {
        if (_stopping.IsCancellationRequested || _refusing || !EngineQuery.TryRead(handshake.QueryString, out var query)) return WebSocketClaim.None;
        if (query.Transport != TransportNames.WebSocket || QueryRefusal(query.Transport, query.Eio) is not null) return WebSocketClaim.None;

        if (query.Sid is null)
        {
            var admission = Admit(remoteAddress);
            return admission.IsAdmitted ? WebSocketClaim.NewSession(admission.Permit) : WebSocketClaim.None;
        }

        if (!Options.AllowUpgrades || !_sessions.TryGetValue(query.Sid, out var session)) return WebSocketClaim.None;
        return session.TryBeginUpgrade() ? WebSocketClaim.Upgrade(session) : WebSocketClaim.Decline(session);
    }

    /// <summary>
    /// Answers 101 and runs the session. Not an async method of its own: the returned task is the receive loop's,
    /// so an idle socket holds no extra state machine for this step.
    /// </summary>
    internal Task ServeClaimedWebSocketAsync(ConnectionContext connection, WebSocketHandshake handshake, WebSocketClaim claim) =>
        ServeClaimedWebSocketAsync(
            new ConnectionStream(connection.Transport, connection.Features.Get<IConnectionSocketFeature>()?.Socket),
            (connection.RemoteEndPoint as IPEndPoint)?.Address,
            handshake,
            claim);

    /// <summary>The same over <paramref name="stream"/>, which is the connection's (Kestrel's, or a socket of its own).</summary>
    internal Task ServeClaimedWebSocketAsync(ConnectionStream stream, IPAddress? remoteAddress, WebSocketHandshake handshake, WebSocketClaim claim)
    {
        if (claim.Declined is { } declined)
        {
            // The 101 and the close frame in one write, as engine.io's do.
            Log.WebSocketDeclined(_logger, declined.Id, declined.UpgradeRefusal);
            return AwaitClientCloseAsync(stream, stream.WriteAsync(SwitchingProtocols(handshake.Key, WebSocketFrameHeader.EmptyClose)));
        }

        var upgrading = claim.Upgrading;
        // The 101 goes through the same stream as every later frame, so nothing the session sends can overtake it.
        // The receive loop disposes the socket when it ends.
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        if (upgrading is not null)
        {
            var answered = stream.WriteAsync(SwitchingProtocols(handshake.Key, default));
            return answered.IsCompletedSuccessfully
                ? RunUpgradeAsync(upgrading, socket, stream)
                : UpgradeAfterWriteAsync(answered, upgrading, socket, stream);
        }

        var request = new EngineHandshakeRequest(
            [.. handshake.Headers],
            handshake.QueryString,
            remoteAddress,
            isSecure: false,
            _time.GetUtcNow());
        var session = CreateSession(request, TransportKind.WebSocket, claim.Permit);
        session.AttachWebSocket(socket, stream);

        // The 101 and the open packet leave in one write: one system call and one segment for the client to read,
        // where a connect storm paid for two.
        var written = stream.WriteAsync(SwitchingProtocols(handshake.Key, OpenPacket(session, _webSocketHandshakeTail).Wire.Span));
        _handler.OnOpen(session);
        return written.IsCompletedSuccessfully
            ? ReceiveLoopAsync(session, socket)
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

        await RunUpgradeAsync(upgrading, socket, stream).ConfigureAwait(false);
    }

    private async Task ReceiveAfterWriteAsync(ValueTask written, EngineSession session, WebSocket socket)
    {
        if (!await CompletedAsync(written).ConfigureAwait(false))
        {
            session.Terminate(EngineCloseReason.TransportError);
            socket.Dispose();
            return;
        }

        await ReceiveLoopAsync(session, socket).ConfigureAwait(false);
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

    /// <summary>The 101 response, followed by <paramref name="firstFrame"/> (the open packet's WebSocket frame) when there is one.</summary>
    private static byte[] SwitchingProtocols(string key, ReadOnlySpan<byte> firstFrame)
    {
        var head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;
        Span<byte> accept = stackalloc byte[28];
        var length = WriteAccept(key, accept);
        var response = new byte[head.Length + length + 4 + firstFrame.Length];
        head.CopyTo(response);
        accept[..length].CopyTo(response.AsSpan(head.Length));
        "\r\n\r\n"u8.CopyTo(response.AsSpan(head.Length + length));
        firstFrame.CopyTo(response.AsSpan(head.Length + length + 4));
        return response;
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for <paramref name="key"/>.</summary>
    private static string AcceptValue(string key)
    {
        Span<byte> accept = stackalloc byte[28];
        return Encoding.ASCII.GetString(accept[..WriteAccept(key, accept)]);
    }

    /// <summary>RFC 6455 §4.2.2: base64(SHA-1(key + GUID)); 28 ASCII bytes.</summary>
    private static int WriteAccept(string key, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        var written = Encoding.ASCII.GetBytes(key, input);
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.CopyTo(input[written..]);
        written += 36;
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..written], hash);
        System.Buffers.Text.Base64.EncodeToUtf8(hash, destination, out _, out var length);
        return length;
    }
}
