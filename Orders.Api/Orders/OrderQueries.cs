using Microsoft.EntityFrameworkCore;
using Orders.Api.Data;

namespace Orders.Api.Orders;

// The single-order lookups behind every read and change, compiled once: a LINQ query is hashed, matched against EF's
// query cache and has its captured values evaluated on every call, which showed up in the profile of order changes.
internal static class OrderQueries
{
    private static readonly Func<OrdersDbContext, Guid, CancellationToken, Task<Order?>> Tracked =
        EF.CompileAsyncQuery((OrdersDbContext db, Guid id, CancellationToken ct) => db.Orders.FirstOrDefault(o => o.Id == id));

    private static readonly Func<OrdersDbContext, Guid, string, CancellationToken, Task<Order?>> TrackedOwned =
        EF.CompileAsyncQuery((OrdersDbContext db, Guid id, string userId, CancellationToken ct) =>
            db.Orders.FirstOrDefault(o => o.Id == id && o.UserId == userId));

    private static readonly Func<OrdersDbContext, Guid, CancellationToken, Task<Order?>> Untracked =
        EF.CompileAsyncQuery((OrdersDbContext db, Guid id, CancellationToken ct) => db.Orders.AsNoTracking().FirstOrDefault(o => o.Id == id));

    private static readonly Func<OrdersDbContext, Guid, string, CancellationToken, Task<Order?>> UntrackedOwned =
        EF.CompileAsyncQuery((OrdersDbContext db, Guid id, string userId, CancellationToken ct) =>
            db.Orders.AsNoTracking().FirstOrDefault(o => o.Id == id && o.UserId == userId));

    // Tracked for a change, untracked for a read. A null owner finds any order (admins).
    public static Task<Order?> FindAsync(OrdersDbContext db, Guid id, string? ownerId, bool forUpdate, CancellationToken ct) =>
        (ownerId, forUpdate) switch
        {
            (null, true) => Tracked(db, id, ct),
            (null, false) => Untracked(db, id, ct),
            (_, true) => TrackedOwned(db, id, ownerId, ct),
            (_, false) => UntrackedOwned(db, id, ownerId, ct),
        };
}
