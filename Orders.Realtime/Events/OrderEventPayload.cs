namespace Orders.Realtime.Events;

// The { order, message, timestamp } shape the frontend handles.
internal sealed record OrderEventPayload(object Order, string Message, DateTime Timestamp);
