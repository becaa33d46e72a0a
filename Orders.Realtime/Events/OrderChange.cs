namespace Orders.Realtime.Events;

/// <summary>What one save did to one order; the payload is taken later, once the statements ran.</summary>
internal sealed record OrderChange(IOrderEventSource Order, OrderChangeKind Kind, string? OldStatus, string? NewStatus);
