namespace Orders.Protocol.EngineIO.Listening;

/// <summary>
/// An engine's answer to a WebSocket handshake seen at the connection: served here, and for which session.
/// <paramref name="Declined"/>: the handshake names a session that cannot take a WebSocket now (see
/// <see cref="EngineIOServer.TryClaimWebSocket"/>); it is answered and closed at once. <paramref name="Permit"/>: a new
/// session's client-address permit (null when no cap applies), given back when the session closes.
/// </summary>
internal readonly record struct WebSocketClaim(bool Claimed, EngineSession? Upgrading, EngineSession? Declined = null, IDisposable? Permit = null)
{
    public static WebSocketClaim None => default;

    public static WebSocketClaim NewSession(IDisposable? permit) => new(true, null, null, permit);

    public static WebSocketClaim Upgrade(EngineSession session) => new(true, session);

    public static WebSocketClaim Decline(EngineSession session) => new(true, null, session);
}
