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

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (!registry.IsEmpty && await TryServeAsync(connection).ConfigureAwait(false)) return;
        await next(connection).ConfigureAwait(false);
    }

    private async Task<bool> TryServeAsync(ConnectionContext connection)
    {
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
                return false;
            }
        }

        // One look only: a head split over several packets is rare enough to leave to Kestrel.
        var status = WebSocketHandshakeParser.TryParse(result.Buffer, out var handshake, out var headEnd);
        var engine = status == HandshakeParseStatus.WebSocket ? registry.Find(handshake!.Path) : null;
        var claim = engine?.TryClaimWebSocket(handshake!) ?? WebSocketClaim.None;
        if (!claim.Claimed)
        {
            input.AdvanceTo(result.Buffer.Start);
            return false;
        }

        input.AdvanceTo(headEnd);
        await engine!.ServeClaimedWebSocketAsync(connection, handshake!, claim.Upgrading).ConfigureAwait(false);
        return true;
    }
}
