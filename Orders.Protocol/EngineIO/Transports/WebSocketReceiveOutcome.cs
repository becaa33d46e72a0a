namespace Orders.Protocol.EngineIO.Transports;

internal enum WebSocketReceiveOutcome
{
    Message,
    Closed,
    TooLarge,
}
