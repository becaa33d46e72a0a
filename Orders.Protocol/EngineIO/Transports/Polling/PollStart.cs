namespace Orders.Protocol.EngineIO.Transports.Polling;

/// <summary>How a long-polling GET may proceed.</summary>
internal enum PollStart
{
    Ready,
    UnknownSession,
    BadRequest,
    Overlap,
}
