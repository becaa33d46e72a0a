using System.Net;
using Microsoft.Extensions.Logging;

namespace Orders.Protocol.EngineIO;

internal sealed partial class EngineIOServer
{
    internal void LogSendQueueFull(EngineSession session) => Log.SendQueueFull(_logger, session.Id, session.Transport, Options.SendQueueCapacity);

    /// <summary>The engine's log messages, written by the server and by the types that serve its transports.</summary>
    internal static partial class Log
    {
        [LoggerMessage(7, LogLevel.Warning, "Engine.IO session {Sid} over {Transport} stopped reading: {Capacity} packets queued; disconnecting it (send queue full)")]
        public static partial void SendQueueFull(ILogger logger, string sid, string transport, int capacity);

        [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} opened over {Transport} from {RemoteAddress}")]
        public static partial void SessionOpened(ILogger logger, string sid, string transport, IPAddress? remoteAddress);

        [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} upgraded to websocket")]
        public static partial void Upgraded(ILogger logger, string sid);

        [LoggerMessage(3, LogLevel.Debug, "Engine.IO session {Sid} closed over {Transport}: {Reason}")]
        public static partial void SessionClosed(ILogger logger, string sid, string transport, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Engine.IO session {Sid} sent a malformed packet over {Transport}; closing it")]
        public static partial void ParseError(ILogger logger, string sid, string transport);

        [LoggerMessage(5, LogLevel.Warning, "Engine.IO session {Sid} sent more than {MaxBytes} bytes at once; closing it")]
        public static partial void PayloadTooLarge(ILogger logger, string sid, long maxBytes);

        [LoggerMessage(8, LogLevel.Debug, "Engine.IO session {Sid}: a further WebSocket for it was accepted and closed ({Reason})")]
        public static partial void WebSocketDeclined(ILogger logger, string sid, string reason);

        [LoggerMessage(10, LogLevel.Debug, "Engine.IO handshake from {RemoteAddress} refused: {Reason}")]
        public static partial void HandshakeRefused(ILogger logger, IPAddress? remoteAddress, string reason);

        [LoggerMessage(6, LogLevel.Error, "Engine.IO handler failed while closing session {Sid}")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string sid);
    }
}
