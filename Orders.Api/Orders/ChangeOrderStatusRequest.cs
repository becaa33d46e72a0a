namespace Orders.Api.Orders;

internal sealed record ChangeOrderStatusRequest(string? Status);
