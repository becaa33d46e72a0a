using Microsoft.EntityFrameworkCore;
using Orders.Api.Orders;

namespace Orders.Api.Data;

internal sealed class OrdersDbContext : DbContext
{
    public OrdersDbContext(DbContextOptions<OrdersDbContext> options)
        : base(options)
    {
        // A one-statement save runs without BEGIN/COMMIT. An order change is never one: the realtime interceptor runs
        // it in a transaction of its own, with the rows of its events (Orders.Realtime, OrderEventOutbox).
        Database.AutoTransactionBehavior = AutoTransactionBehavior.WhenNeeded;
    }

    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasSequence<long>(OrderConfiguration.OrderNumberSequence).StartsAt(10001);
        modelBuilder.ApplyConfiguration(new OrderConfiguration());
    }
}
