namespace Orders.Protocol.EngineIO.Connections;

/// <summary>An engine's answer to a WebSocket handshake seen at the connection: served here, and for which session.</summary>
internal readonly record struct WebSocketClaim(bool Claimed, EngineSession? Upgrading)
{
    public static WebSocketClaim None => default;

    public static WebSocketClaim NewSession => new(true, null);

    public static WebSocketClaim Upgrade(EngineSession session) => new(true, session);
}
