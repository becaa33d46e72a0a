namespace Orders.Realtime.Outbox;

// A committed row of order_events: as its writer's INSERT returned it, or as the feed read it from the table.
internal sealed record CommittedEvent(long Position, string OwnerId, Guid OrderId, string Name, string Payload, DateTimeOffset CreatedAt);
