namespace Orders.Api.Orders;

internal sealed record CreateOrderRequest(IReadOnlyList<OrderItemRequest?>? Items, string? Currency, string? ShippingAddress, string? Notes);
