namespace Orders.Realtime.Events;

// One event of a committed change, before it becomes a row of order_events. CreatedAt is when the save made it.
internal sealed record OrderEvent(string Name, Guid OrderId, string OwnerId, object Payload, DateTimeOffset CreatedAt);
