namespace Orders.Realtime.Events;

// What one save did to one order; the payload is taken later, once the statements ran.
internal sealed record OrderChange(IOrderEventSource Order, OrderChangeKind Kind, string? OldStatus, string? NewStatus);
