using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Orders.Protocol.EngineIO.Connections;

/// <summary>
/// Kestrel connection middleware that answers Engine.IO WebSocket handshakes before the HTTP layer. A socket
/// served this way carries no HTTP connection, request, headers or hosting activity for its whole life, which
/// roughly halves the memory an idle client costs and the work of opening one. Everything else (REST, polling,
/// TLS, malformed or unknown requests) goes on to Kestrel untouched: the bytes are only looked at, not consumed.
/// </summary>
internal sealed class EngineIOConnectionMiddleware(EngineIOConnectionRegistry registry, ConnectionDelegate next)
{
    // A client that connects and stays silent is handed to Kestrel, whose request timeouts then apply.
    private static readonly TimeSpan FirstBytesWait = TimeSpan.FromSeconds(5);

    /// <summary>One method for the connection's whole life, so a served socket holds a single state machine here.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (registry.IsEmpty)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var input = connection.Transport.Input;
        ReadResult result;
        using (var wait = new CancellationTokenSource(FirstBytesWait))
        {
            try
            {
                result = await input.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }
        }

        // One look only: a head split over several packets is rare enough to leave to Kestrel.
        var status = WebSocketHandshakeParser.TryParse(result.Buffer, out var handshake, out var headEnd);
        var engine = status == HandshakeParseStatus.WebSocket ? registry.Find(handshake!.Path) : null;
        var claim = engine?.TryClaimWebSocket(handshake!) ?? WebSocketClaim.None;
        if (!claim.Claimed)
        {
            input.AdvanceTo(result.Buffer.Start);
            await next(connection).ConfigureAwait(false);
            return;
        }

        input.AdvanceTo(headEnd);
        await engine!.ServeClaimedWebSocketAsync(connection, handshake!, claim.Upgrading).ConfigureAwait(false);
    }
}
