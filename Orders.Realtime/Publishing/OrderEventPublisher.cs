using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orders.Realtime.Events;

namespace Orders.Realtime.Publishing;

// Takes committed events (in commit order, from the interceptor) and sends them to the owner's room and to
// admins from one reader, so the order in which they were queued is the order on every socket.
internal sealed partial class OrderEventPublisher(
    OrderEventBroadcaster broadcaster, RealtimeMetrics metrics, TimeProvider time, ILogger<OrderEventPublisher> logger)
    : BackgroundService
{
    private readonly Channel<OrderEvent> _queue = Channel.CreateUnbounded<OrderEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Publish(IReadOnlyList<OrderEvent> events)
    {
        foreach (var e in events)
        {
            metrics.Published(e.Name);
            LogPublished(e);
            if (!_queue.Writer.TryWrite(e))
            {
                LogDroppedAtShutdown(logger, e.Name, e.OrderId);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Deliver(e);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: sockets are closing too.
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private void Deliver(OrderEvent e)
    {
        try
        {
            var recipients = broadcaster.Broadcast(e);
            metrics.Delivered(e.Name, recipients, time.GetElapsedTime(e.PublishedAt));
            LogDelivered(logger, e.Name, e.OrderId, recipients);
        }
        catch (Exception ex)
        {
            // One bad event must not stop the stream for everyone else.
            LogDeliveryFailed(logger, ex, e.Name, e.OrderId);
        }
    }

    private void LogPublished(OrderEvent e)
    {
        if (e.Payload is OrderStatusChangedPayload changed)
        {
            LogStatusChanged(logger, e.OrderId, changed.OldStatus, changed.NewStatus);
        }
        else
        {
            LogEventPublished(logger, e.Name, e.OrderId);
        }
    }
}
