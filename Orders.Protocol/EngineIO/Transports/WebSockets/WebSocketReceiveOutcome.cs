namespace Orders.Protocol.EngineIO.Transports.WebSockets;

internal enum WebSocketReceiveOutcome
{
    Message,
    Closed,
    TooLarge,
}
