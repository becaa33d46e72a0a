namespace Orders.Realtime.Events;

// PublishedAt is a TimeProvider timestamp taken at commit, for the publish-to-send histogram.
internal sealed record OrderEvent(string Name, Guid OrderId, string OwnerId, object Payload, long PublishedAt);
