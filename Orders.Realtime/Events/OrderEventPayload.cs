namespace Orders.Realtime.Events;

/// <summary>The <c>{ order, message, timestamp }</c> shape the frontend handles.</summary>
internal sealed record OrderEventPayload(object Order, string Message, DateTime Timestamp);
