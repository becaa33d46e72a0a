namespace Orders.Api.Orders;

internal sealed record OrderPage(int Page, int PageSize, int TotalCount, IReadOnlyList<OrderResponse> Items);
