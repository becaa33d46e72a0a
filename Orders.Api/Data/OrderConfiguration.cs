using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Orders.Api.Orders;

namespace Orders.Api.Data;

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public const string OrderNumberSequence = "order_number_seq";

    private static readonly JsonSerializerOptions ItemsJson = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Order> order)
    {
        order.ToTable("orders");
        order.HasKey(o => o.Id);
        order.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
        order.Property(o => o.OrderNumber).HasColumnName("order_number").HasMaxLength(32)
            .HasDefaultValueSql($"'ORD-' || nextval('{OrderNumberSequence}')").ValueGeneratedOnAdd();
        order.HasIndex(o => o.OrderNumber).IsUnique();
        order.Property(o => o.UserId).HasColumnName("user_id").HasMaxLength(200).IsRequired();
        order.Property(o => o.Status).HasColumnName("status").HasMaxLength(16)
            .HasConversion(s => s.ToWireName(), s => OrderStatusRules.FromWireName(s));
        order.HasIndex(o => new { o.UserId, o.CreatedAt });
        order.HasIndex(o => new { o.Status, o.CreatedAt });
        order.Property(o => o.Items).HasColumnName("items").HasColumnType("jsonb")
            .HasConversion(
                items => JsonSerializer.Serialize(items, ItemsJson),
                json => JsonSerializer.Deserialize<List<OrderItem>>(json, ItemsJson) ?? new List<OrderItem>(),
                new ValueComparer<IReadOnlyList<OrderItem>>(
                    (a, b) => a!.SequenceEqual(b!),
                    items => items.Aggregate(0, (hash, item) => HashCode.Combine(hash, item)),
                    items => items.ToList()));
        order.Property(o => o.Total).HasColumnName("total").HasPrecision(12, 2);
        order.Property(o => o.Currency).HasColumnName("currency").HasMaxLength(3).IsFixedLength();
        order.Property(o => o.ShippingAddress).HasColumnName("shipping_address").HasMaxLength(OrderValidation.MaxAddressLength);
        order.Property(o => o.Notes).HasColumnName("notes").HasMaxLength(OrderValidation.MaxNotesLength);
        order.Property(o => o.CreatedAt).HasColumnName("created_at");
        order.Property(o => o.UpdatedAt).HasColumnName("updated_at");
        order.Property(o => o.Version).IsRowVersion();
        order.Ignore(o => o.IsEditable);
    }
}
