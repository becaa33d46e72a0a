namespace Orders.Api.Orders;

// Nullable everywhere so a missing field is a field error, not a binding failure.
internal sealed record OrderItemRequest(string? Sku, string? Name, int? Quantity, decimal? UnitPrice);
