namespace Orders.Realtime.Events;

/// <summary>The <c>order:status_changed</c> payload: the common shape plus the old and new status.</summary>
internal sealed record OrderStatusChangedPayload(object Order, string OldStatus, string NewStatus, string Message, DateTime Timestamp);
