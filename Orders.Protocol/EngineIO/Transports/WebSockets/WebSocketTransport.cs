using System.Buffers;
using System.Net.WebSockets;

namespace Orders.Protocol.EngineIO.Transports.WebSockets;

/// <summary>
/// Reads a WebSocket for one session. Idle sockets wait with a zero-byte read, so no receive buffer is held
/// between messages; a buffer is rented only while a message is arriving.
/// </summary>
internal static class WebSocketTransport
{
    private const int InitialBufferSize = 4096;
    private static readonly TimeSpan CloseGracePeriod = TimeSpan.FromSeconds(2);

    public static async Task<WebSocketMessage> ReceiveAsync(WebSocket socket, long maxSize, CancellationToken cancellationToken)
    {
        var probe = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return await ReceiveAsync(socket, probe, maxSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the message whose arrival the zero-byte read <paramref name="probe"/> reported.</summary>
    public static async ValueTask<WebSocketMessage> ReceiveAsync(WebSocket socket, ValueWebSocketReceiveResult probe, long maxSize, CancellationToken cancellationToken = default)
    {
        if (probe.MessageType == WebSocketMessageType.Close) return WebSocketMessage.Closed;

        // A zero-byte read consumes an empty frame whole (e.g. an empty binary attachment).
        if (probe.EndOfMessage) return new WebSocketMessage(probe.MessageType == WebSocketMessageType.Binary, null, 0, WebSocketReceiveOutcome.Message);

        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return WebSocketMessage.Closed;
                }

                length += result.Count;
                if (length > maxSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return WebSocketMessage.TooLarge;
                }

                if (result.EndOfMessage)
                {
                    return new WebSocketMessage(result.MessageType == WebSocketMessageType.Binary, buffer, length, WebSocketReceiveOutcome.Message);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Sends a close frame if none was sent yet. The reading side finishes the handshake; a peer that never
    /// answers is aborted after a grace period so it cannot hold the connection.
    /// </summary>
    public static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseGracePeriod);
                await socket.CloseOutputAsync(status, null, timeout.Token).ConfigureAwait(false);
            }

            if (socket.State == WebSocketState.CloseSent)
            {
                await Task.Delay(CloseGracePeriod).ConfigureAwait(false);
                if (socket.State != WebSocketState.Closed) socket.Abort();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is already gone; there is nobody left to tell.
            socket.Abort();
        }
    }
}
