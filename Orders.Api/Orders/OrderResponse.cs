namespace Orders.Api.Orders;

// The one JSON shape of an order: REST responses and the `order` field of every socket event.
internal sealed record OrderResponse(
    Guid Id,
    string OrderNumber,
    string UserId,
    string Status,
    IReadOnlyList<OrderItemResponse> Items,
    decimal Total,
    string Currency,
    string ShippingAddress,
    string? Notes,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    uint Version)
{
    public static OrderResponse From(Order order) => new(
        order.Id,
        order.OrderNumber,
        order.UserId,
        order.Status.ToWireName(),
        order.Items.Select(i => new OrderItemResponse(i.Sku, i.Name, i.Quantity, i.UnitPrice)).ToArray(),
        order.Total,
        order.Currency,
        order.ShippingAddress,
        order.Notes,
        order.CreatedAt.UtcDateTime,
        order.UpdatedAt.UtcDateTime,
        order.Version);
}
