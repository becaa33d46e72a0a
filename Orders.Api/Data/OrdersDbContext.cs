using Microsoft.EntityFrameworkCore;
using Orders.Api.Orders;

namespace Orders.Api.Data;

internal sealed class OrdersDbContext : DbContext
{
    public OrdersDbContext(DbContextOptions<OrdersDbContext> options)
        : base(options)
    {
        // EF skips its transaction for a one-statement save; with one, the realtime interceptor holds the order's
        // sequencing lock across COMMIT, so two racing saves of one order publish in the order they committed.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasSequence<long>(OrderConfiguration.OrderNumberSequence).StartsAt(10001);
        modelBuilder.ApplyConfiguration(new OrderConfiguration());
    }
}
