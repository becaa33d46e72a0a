namespace Orders.Api.Orders;

// The wire names and the only moves an order may make.
internal static class OrderStatusRules
{
    public static string ToWireName(this OrderStatus status) => status switch
    {
        OrderStatus.Pending => "pending",
        OrderStatus.Processing => "processing",
        OrderStatus.Shipped => "shipped",
        OrderStatus.Delivered => "delivered",
        OrderStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static OrderStatus FromWireName(string name) =>
        TryParse(name, out var status) ? status : throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown order status.");

    public static bool TryParse(string? name, out OrderStatus status)
    {
        switch (name)
        {
            case "pending": status = OrderStatus.Pending; return true;
            case "processing": status = OrderStatus.Processing; return true;
            case "shipped": status = OrderStatus.Shipped; return true;
            case "delivered": status = OrderStatus.Delivered; return true;
            case "cancelled": status = OrderStatus.Cancelled; return true;
            default: status = default; return false;
        }
    }

    public static readonly string[] WireNames = ["pending", "processing", "shipped", "delivered", "cancelled"];

    public static bool CanMove(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.Pending, OrderStatus.Processing) => true,
        (OrderStatus.Processing, OrderStatus.Shipped) => true,
        (OrderStatus.Shipped, OrderStatus.Delivered) => true,
        (OrderStatus.Pending or OrderStatus.Processing, OrderStatus.Cancelled) => true,
        _ => false,
    };
}
