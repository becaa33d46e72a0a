using Orders.Realtime.Events;

namespace Orders.Api.Orders;

internal sealed class Order : IOrderEventSource
{
    // For EF Core.
    private Order()
    {
    }

    public Guid Id { get; private set; }

    // Assigned by the database from a sequence on insert.
    public string OrderNumber { get; private set; } = null!;

    public string UserId { get; private set; } = null!;

    public OrderStatus Status { get; private set; }

    public IReadOnlyList<OrderItem> Items { get; private set; } = [];

    public decimal Total { get; private set; }

    public string Currency { get; private set; } = null!;

    public string ShippingAddress { get; private set; } = null!;

    public string? Notes { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    // PostgreSQL's xmin: changes on every update, so it is the optimistic-concurrency token.
    public uint Version { get; private set; }

    public bool IsEditable => Status == OrderStatus.Pending;

    string IOrderEventSource.OwnerId => UserId;

    string IOrderEventSource.StatusName => Status.ToWireName();

    public static Order Create(
        string userId, IReadOnlyList<OrderItem> items, string currency, string shippingAddress, string? notes, DateTimeOffset now)
    {
        now = ToDatabasePrecision(now);
        return new()
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Status = OrderStatus.Pending,
            Items = items,
            Total = TotalOf(items),
            Currency = currency,
            ShippingAddress = shippingAddress,
            Notes = notes,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public void UpdateDetails(IReadOnlyList<OrderItem>? items, string? shippingAddress, string? notes, DateTimeOffset now)
    {
        if (!IsEditable)
        {
            throw new InvalidOperationException("Only a pending order can be edited.");
        }

        if (items is not null)
        {
            Items = items;
            Total = TotalOf(items);
        }

        ShippingAddress = shippingAddress ?? ShippingAddress;
        Notes = notes ?? Notes;
        UpdatedAt = ToDatabasePrecision(now);
    }

    public bool TryMoveTo(OrderStatus next, DateTimeOffset now)
    {
        if (!OrderStatusRules.CanMove(Status, next))
        {
            return false;
        }

        Status = next;
        UpdatedAt = ToDatabasePrecision(now);
        return true;
    }

    object IOrderEventSource.ToEventPayload() => OrderResponse.From(this);

    // Two decimals, as numeric(12,2) stores it, so a response before and after a reload serialises alike.
    public static decimal ToMoney(decimal amount) => decimal.Round(amount, 2) + 0.00m;

    private static decimal TotalOf(IReadOnlyList<OrderItem> items) => ToMoney(items.Sum(i => i.Quantity * i.UnitPrice));

    // timestamptz keeps microseconds; trimming here keeps responses, events and later reads identical.
    private static DateTimeOffset ToDatabasePrecision(DateTimeOffset value) => value.AddTicks(-(value.Ticks % 10));
}
