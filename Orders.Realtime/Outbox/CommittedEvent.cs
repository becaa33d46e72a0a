namespace Orders.Realtime.Outbox;

// A row of order_events as its writer committed it: what the feed sends, read back from the INSERT rather than the table.
internal sealed record CommittedEvent(long Position, string OwnerId, Guid OrderId, string Name, string Payload, DateTimeOffset CreatedAt);
