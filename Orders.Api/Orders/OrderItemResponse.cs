namespace Orders.Api.Orders;

internal sealed record OrderItemResponse(string Sku, string Name, int Quantity, decimal UnitPrice);
