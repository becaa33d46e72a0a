namespace Orders.Protocol.EngineIO.Handshakes;

internal enum HandshakeParseStatus
{
    /// <summary>The request head has not fully arrived yet.</summary>
    Incomplete,

    /// <summary>Anything but a well-formed WebSocket upgrade: Kestrel's HTTP layer answers it.</summary>
    NotWebSocket,

    /// <summary>A complete, well-formed WebSocket upgrade request.</summary>
    WebSocket,
}
