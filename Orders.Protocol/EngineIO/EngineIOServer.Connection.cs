using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Orders.Protocol.EngineIO.Connections;

namespace Orders.Protocol.EngineIO;

/// <summary>WebSocket handshakes answered at the Kestrel connection (see <see cref="EngineIOConnectionMiddleware"/>).</summary>
internal sealed partial class EngineIOServer
{
    /// <summary>
    /// Takes the handshake when it is one this endpoint would accept; anything it would refuse is left to the
    /// HTTP pipeline, which answers with the usual Engine.IO error body.
    /// </summary>
    internal WebSocketClaim TryClaimWebSocket(WebSocketHandshake handshake)
    {
        if (_stopping.IsCancellationRequested || !EngineQuery.TryRead(handshake.QueryString, out var query)) return WebSocketClaim.None;
        if (query.Transport != TransportNames.WebSocket || QueryRefusal(query.Transport, query.Eio) is not null) return WebSocketClaim.None;

        if (query.Sid is null) return WebSocketClaim.NewSession;
        return Options.AllowUpgrades && _sessions.TryGetValue(query.Sid, out var session) && session.TryBeginUpgrade()
            ? WebSocketClaim.Upgrade(session)
            : WebSocketClaim.None;
    }

    /// <summary>
    /// Answers 101 and runs the session. Not an async method of its own: the returned task is the receive loop's,
    /// so an idle socket holds no extra state machine for this step.
    /// </summary>
    internal Task ServeClaimedWebSocketAsync(ConnectionContext connection, WebSocketHandshake handshake, EngineSession? upgrading)
    {
        // The 101 goes through the same stream as every later frame, so nothing the session sends can overtake it.
        var stream = new ConnectionStream(connection.Transport, connection.Features.Get<IConnectionSocketFeature>()?.Socket);
        var written = stream.WriteAsync(SwitchingProtocols(handshake.Key));
        return written.IsCompletedSuccessfully
            ? RunClaimedAsync(connection, stream, handshake, upgrading)
            : ServeAfterWriteAsync(written, connection, stream, handshake, upgrading);
    }

    private async Task ServeAfterWriteAsync(ValueTask written, ConnectionContext connection, ConnectionStream stream, WebSocketHandshake handshake, EngineSession? upgrading)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException or ObjectDisposedException)
        {
            upgrading?.AbandonUpgrade();
            return;
        }

        await RunClaimedAsync(connection, stream, handshake, upgrading).ConfigureAwait(false);
    }

    private Task RunClaimedAsync(ConnectionContext connection, ConnectionStream stream, WebSocketHandshake handshake, EngineSession? upgrading)
    {
        // The receive loop disposes the socket when it ends.
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        if (upgrading is not null) return RunUpgradeAsync(upgrading, socket, stream);

        var request = new EngineHandshakeRequest(
            new HeaderDictionary(handshake.Headers),
            handshake.QueryString,
            (connection.RemoteEndPoint as IPEndPoint)?.Address,
            isSecure: false,
            _time.GetUtcNow());
        return RunWebSocketSessionAsync(request, socket, stream);
    }

    private static byte[] SwitchingProtocols(string key)
    {
        var head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;
        Span<byte> accept = stackalloc byte[28];
        var length = WriteAccept(key, accept);
        var response = new byte[head.Length + length + 4];
        head.CopyTo(response);
        accept[..length].CopyTo(response.AsSpan(head.Length));
        "\r\n\r\n"u8.CopyTo(response.AsSpan(head.Length + length));
        return response;
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
