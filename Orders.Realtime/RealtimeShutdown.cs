using Microsoft.Extensions.Logging;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Publishing;

namespace Orders.Realtime;

/// <summary>
/// The realtime side of a graceful shutdown, for the application to call once it has stopped taking changes (its
/// in-flight requests done): sends every committed order event to the sockets, then closes each socket's transport
/// after its queued frames, so clients reconnect to another node (or this one restarted) and recover there.
/// </summary>
public sealed partial class RealtimeShutdown
{
    private readonly OrderEventFeed _feed;
    private readonly SocketIOServer _server;
    private readonly ILogger<RealtimeShutdown> _logger;

    internal RealtimeShutdown(OrderEventFeed feed, SocketIOServer server, ILogger<RealtimeShutdown> logger)
    {
        _feed = feed;
        _server = server;
        _logger = logger;
    }

    /// <summary>
    /// Sends what is committed, then closes every transport; bounded by <paramref name="cancellationToken"/>, after which
    /// the remaining connections are ended at once (their clients still recover every event from the table).
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await _feed.DrainAsync(cancellationToken).ConfigureAwait(false);
        LogClosing(_logger, _feed.Delivered);
        await _server.ShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Order events sent up to position {Position}; closing socket transports so clients reconnect elsewhere")]
    private static partial void LogClosing(ILogger logger, long position);
}
