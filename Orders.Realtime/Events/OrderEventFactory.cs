namespace Orders.Realtime.Events;

// Turns one saved change into the events and messages the frontend expects.
internal sealed class OrderEventFactory(TimeProvider time)
{
    private const string Cancelled = "cancelled";
    private const string Delivered = "delivered";

    public void Create(OrderChange change, List<OrderEvent> into)
    {
        var order = change.Order;
        var snapshot = order.ToEventPayload();
        var now = time.GetUtcNow();
        var timestamp = now.UtcDateTime;
        var number = order.OrderNumber;

        switch (change.Kind)
        {
            case OrderChangeKind.Created:
                Add(OrderEventNames.Created, new OrderEventPayload(snapshot, $"Your order #{number} has been created!", timestamp));
                break;
            case OrderChangeKind.Updated:
                Add(OrderEventNames.Updated, new OrderEventPayload(snapshot, $"Order #{number} has been updated", timestamp));
                break;
            case OrderChangeKind.StatusChanged:
                var newStatus = change.NewStatus!;
                Add(OrderEventNames.StatusChanged, new OrderStatusChangedPayload(
                    snapshot, change.OldStatus!, newStatus, $"Order #{number} status updated to {newStatus}", timestamp));
                if (newStatus == Cancelled)
                {
                    Add(OrderEventNames.Cancelled, new OrderEventPayload(snapshot, $"Order #{number} has been cancelled", timestamp));
                }
                else if (newStatus == Delivered)
                {
                    Add(OrderEventNames.Completed, new OrderEventPayload(snapshot, $"Order #{number} has been delivered!", timestamp));
                }

                break;
        }

        void Add(string name, object payload) => into.Add(new OrderEvent(name, order.Id, order.OwnerId, payload, now));
    }
}
