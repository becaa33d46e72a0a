namespace Orders.Api.Orders;

internal sealed record OrderItem(string Sku, string Name, int Quantity, decimal UnitPrice);
