using Microsoft.Extensions.Logging;

namespace Orders.Realtime.Events;

internal sealed partial class OrderCommitSequencer
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning,
        Message = "A save of order {OrderId} neither published nor ended within {Timeout}; later events of the order go out without waiting for it")]
    private static partial void LogSkipped(ILogger logger, Guid orderId, TimeSpan timeout);
}
