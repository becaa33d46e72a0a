namespace Orders.Realtime.Events;

// The order:status_changed payload: the common shape plus the old and new status.
internal sealed record OrderStatusChangedPayload(object Order, string OldStatus, string NewStatus, string Message, DateTime Timestamp);
