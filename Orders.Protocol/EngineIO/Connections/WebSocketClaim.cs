namespace Orders.Protocol.EngineIO.Connections;

/// <summary>
/// An engine's answer to a WebSocket handshake seen at the connection: served here, and for which session.
/// <paramref name="Declined"/>: the handshake names a session that cannot take a WebSocket now (see
/// <see cref="EngineIOServer.TryClaimWebSocket"/>); it is answered and closed at once.
/// </summary>
internal readonly record struct WebSocketClaim(bool Claimed, EngineSession? Upgrading, EngineSession? Declined = null)
{
    public static WebSocketClaim None => default;

    public static WebSocketClaim NewSession => new(true, null);

    public static WebSocketClaim Upgrade(EngineSession session) => new(true, session);

    public static WebSocketClaim Decline(EngineSession session) => new(true, null, session);
}
