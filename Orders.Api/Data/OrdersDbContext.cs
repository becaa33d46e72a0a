using Microsoft.EntityFrameworkCore;
using Orders.Api.Orders;

namespace Orders.Api.Data;

internal sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasSequence<long>(OrderConfiguration.OrderNumberSequence).StartsAt(10001);
        modelBuilder.ApplyConfiguration(new OrderConfiguration());
    }
}
