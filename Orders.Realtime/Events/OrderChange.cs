using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Orders.Realtime.Events;

// What one save did to one order; the payload is taken later, once the statements ran.
internal sealed record OrderChange(IOrderEventSource Order, OrderChangeKind Kind, string? OldStatus, string? NewStatus)
{
    // The change a tracked order stands for before its save, or null when it is not one that makes an event.
    public static OrderChange? Of(EntityEntry<IOrderEventSource> entry)
    {
        var order = entry.Entity;
        switch (entry.State)
        {
            case EntityState.Added:
                return new OrderChange(order, OrderChangeKind.Created, null, order.StatusName);
            case EntityState.Modified:
                var oldStatus = ((IOrderEventSource)entry.OriginalValues.ToObject()).StatusName;
                return oldStatus == order.StatusName
                    ? new OrderChange(order, OrderChangeKind.Updated, oldStatus, oldStatus)
                    : new OrderChange(order, OrderChangeKind.StatusChanged, oldStatus, order.StatusName);
            default:
                return null;
        }
    }
}
