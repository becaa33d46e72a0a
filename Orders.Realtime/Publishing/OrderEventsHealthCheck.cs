using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orders.Realtime.Publishing;

// Ready only while this node reads committed events and hears other nodes' notifications: a node that cannot is
// taken out of the load balancer rather than serving sockets that silently miss events.
internal sealed class OrderEventsHealthCheck(OrderEventFeed feed, OrderEventListener listener) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            !feed.IsReading ? HealthCheckResult.Unhealthy($"Order events cannot be read (sent up to position {feed.Delivered}).")
            : !listener.IsListening ? HealthCheckResult.Unhealthy("Not listening to order event notifications.")
            : HealthCheckResult.Healthy($"Sent up to position {feed.Delivered}, {feed.LagPositions} behind."));
}
