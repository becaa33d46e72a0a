using System.Buffers;
using System.Net;
using Orders.Protocol.EngineIO.Handshakes;

namespace Orders.Protocol.EngineIO.Listening;

/// <summary>A WebSocket handshake an engine took at the connection: who serves it, for which session, and where its head ends.</summary>
internal readonly record struct ClaimedWebSocket(EngineIOServer Engine, WebSocketHandshake Handshake, WebSocketClaim Claim, SequencePosition HeadEnd)
{
    /// <summary>
    /// How long the connection path waits for a new connection's first bytes. A client that connects and stays
    /// silent is then handed to Kestrel, whose request timeouts apply.
    /// </summary>
    public static readonly TimeSpan FirstBytesWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Looks once at the first bytes of a connection. True when they hold a whole WebSocket handshake that an engine
    /// of <paramref name="registry"/> takes from <paramref name="remoteAddress"/>; anything else (another request, a
    /// head split over packets, a refusal) is left to Kestrel, which answers it as usual.
    /// </summary>
    public static bool TryClaim(EngineIOConnectionRegistry registry, ReadOnlySequence<byte> buffer, IPAddress? remoteAddress, out ClaimedWebSocket claimed)
    {
        claimed = default;
        var status = WebSocketHandshakeParser.TryParse(buffer, out var handshake, out var headEnd);
        var engine = status == HandshakeParseStatus.WebSocket ? registry.Find(handshake!.Path) : null;
        var claim = engine?.TryClaimWebSocket(handshake!, remoteAddress) ?? WebSocketClaim.None;
        if (!claim.Claimed) return false;
        claimed = new ClaimedWebSocket(engine!, handshake!, claim, headEnd);
        return true;
    }
}
