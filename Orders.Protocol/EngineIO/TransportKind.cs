namespace Orders.Protocol.EngineIO;

internal enum TransportKind
{
    Polling,
    WebSocket,
}

internal static class TransportNames
{
    public const string Polling = "polling";
    public const string WebSocket = "websocket";

    public static string ToName(this TransportKind kind) => kind == TransportKind.Polling ? Polling : WebSocket;
}
