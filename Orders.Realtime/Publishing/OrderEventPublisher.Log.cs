using Microsoft.Extensions.Logging;

namespace Orders.Realtime.Publishing;

internal sealed partial class OrderEventPublisher
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Order status changed: {OrderId} from {Old} to {New}")]
    private static partial void LogStatusChanged(ILogger logger, Guid orderId, string old, string @new);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Order event {EventName} published for {OrderId}")]
    private static partial void LogEventPublished(ILogger logger, string eventName, Guid orderId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Order event {EventName} for {OrderId} sent to {Recipients} sockets")]
    private static partial void LogDelivered(ILogger logger, string eventName, Guid orderId, int recipients);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Order event {EventName} for {OrderId} could not be sent")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string eventName, Guid orderId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Order event {EventName} for {OrderId} dropped: the publisher is shutting down")]
    private static partial void LogDroppedAtShutdown(ILogger logger, string eventName, Guid orderId);
}
