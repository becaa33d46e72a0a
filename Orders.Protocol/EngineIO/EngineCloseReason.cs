namespace Orders.Protocol.EngineIO;

/// <summary>Why an Engine.IO session ended. Every close has one, so it can be logged and counted.</summary>
public enum EngineCloseReason
{
    /// <summary>The client closed the transport or sent a close packet.</summary>
    TransportClose,
    /// <summary>The transport failed (aborted request, socket error, overlapping requests).</summary>
    TransportError,
    /// <summary>No pong within pingTimeout.</summary>
    PingTimeout,
    /// <summary>The client sent a packet the server cannot parse.</summary>
    ParseError,
    /// <summary>The client sent more than maxHttpBufferSize in one request or message.</summary>
    PayloadTooLarge,
    /// <summary>The outgoing queue reached its capacity: the client stopped reading.</summary>
    SendQueueFull,
    /// <summary>The server application closed the session.</summary>
    ForcedClose,
    /// <summary>The host is stopping.</summary>
    ServerShuttingDown,
}

/// <summary>Names of <see cref="EngineCloseReason"/> as socket.io reports them.</summary>
public static class EngineCloseReasonNames
{
    /// <summary>The socket.io name of a close reason, e.g. <c>ping timeout</c>.</summary>
    public static string ToName(this EngineCloseReason reason) => reason switch
    {
        EngineCloseReason.TransportClose => "transport close",
        EngineCloseReason.TransportError => "transport error",
        EngineCloseReason.PingTimeout => "ping timeout",
        EngineCloseReason.ParseError => "parse error",
        EngineCloseReason.PayloadTooLarge => "payload too large",
        EngineCloseReason.SendQueueFull => "send queue full",
        EngineCloseReason.ForcedClose => "forced close",
        EngineCloseReason.ServerShuttingDown => "server shutting down",
        _ => "unknown",
    };
}
