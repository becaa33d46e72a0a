namespace Orders.Api.Orders;

internal sealed record UpdateOrderRequest(IReadOnlyList<OrderItemRequest?>? Items, string? ShippingAddress, string? Notes);
