using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Orders.Protocol.EngineIO.Listening;

/// <summary>
/// Kestrel connection middleware that answers Engine.IO WebSocket handshakes before the HTTP layer. A socket
/// served this way carries no HTTP connection, request, headers or hosting activity for its whole life, which
/// roughly halves the memory an idle client costs and the work of opening one. Everything else (REST, polling,
/// TLS, malformed or unknown requests) goes on to Kestrel untouched: the bytes are only looked at, not consumed.
/// </summary>
internal sealed class EngineIOConnectionMiddleware(EngineIOConnectionRegistry registry, ConnectionDelegate next)
{
    /// <summary>
    /// Not an async method: when the handshake is already buffered (most connections of a storm, whose clients
    /// write it at once) the returned task is the session's receive loop itself, with no timer armed and no state
    /// machine of this method kept for the connection's life.
    /// </summary>
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        if (registry.IsEmpty) return next(connection);
        return connection.Transport.Input.TryRead(out var result) ? Serve(connection, result) : WaitForFirstBytesAsync(connection);
    }

    private async Task WaitForFirstBytesAsync(ConnectionContext connection)
    {
        ReadResult result;
        using (var wait = new CancellationTokenSource(ClaimedWebSocket.FirstBytesWait))
        {
            try
            {
                result = await connection.Transport.Input.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }
        }

        await Serve(connection, result).ConfigureAwait(false);
    }

    private Task Serve(ConnectionContext connection, ReadResult result)
    {
        var input = connection.Transport.Input;
        if (!ClaimedWebSocket.TryClaim(registry, result.Buffer, (connection.RemoteEndPoint as IPEndPoint)?.Address, out var claimed))
        {
            input.AdvanceTo(result.Buffer.Start);
            return next(connection);
        }

        input.AdvanceTo(claimed.HeadEnd);
        return claimed.Engine.ServeClaimedWebSocketAsync(connection, claimed.Handshake, claimed.Claim);
    }
}
