using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Orders.Realtime.Publishing;

namespace Orders.Realtime.Events;

// Derives order events from tracked changes: collects while saving, snapshots once the statements ran, and
// publishes only after COMMIT (EF's own transaction, or the enclosing explicit one). Nothing on failure or
// rollback. One instance serves every context; per-context state hangs off the context in a
// ConditionalWeakTable.
internal sealed class OrderEventsInterceptor(OrderEventFactory factory, OrderCommitSequencer sequencer, OrderEventPublisher publisher)
    : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, PendingOrderEvents> _contexts = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (AfterSave(eventData.Context) is { } state)
        {
            using (sequencer.Acquire(state.AwaitingCommit.Select(e => e.OrderId)))
            {
                Publish(state);
            }
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(
        SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (AfterSave(eventData.Context) is { } state)
        {
            // The rows are committed: do not let the caller's token stop the events from going out.
            using (await sequencer.AcquireAsync(state.AwaitingCommit.Select(e => e.OrderId), CancellationToken.None).ConfigureAwait(false))
            {
                Publish(state);
            }
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Discard(eventData.Context, currentSaveOnly: true);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context, currentSaveOnly: true);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Discard(eventData.Context, currentSaveOnly: true);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context, currentSaveOnly: true);
        return Task.CompletedTask;
    }

    InterceptionResult IDbTransactionInterceptor.TransactionCommitting(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (BeforeCommit(eventData.Context) is { } state)
        {
            state.Lease = sequencer.Acquire(state.AwaitingCommit.Select(e => e.OrderId));
        }

        return result;
    }

    async ValueTask<InterceptionResult> IDbTransactionInterceptor.TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken)
    {
        if (BeforeCommit(eventData.Context) is { } state)
        {
            state.Lease = await sequencer.AcquireAsync(state.AwaitingCommit.Select(e => e.OrderId), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        AfterCommit(eventData.Context);

    Task IDbTransactionInterceptor.TransactionCommittedAsync(
        DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        AfterCommit(eventData.Context);
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) =>
        Discard(eventData.Context, currentSaveOnly: false);

    Task IDbTransactionInterceptor.TransactionRolledBackAsync(
        DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        Discard(eventData.Context, currentSaveOnly: false);
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) =>
        Discard(eventData.Context, currentSaveOnly: false);

    Task IDbTransactionInterceptor.TransactionFailedAsync(
        DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken)
    {
        Discard(eventData.Context, currentSaveOnly: false);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        PendingOrderEvents? state = null;
        // Entries() runs DetectChanges first, which SaveChanges has not done yet at this point.
        foreach (var entry in context.ChangeTracker.Entries<IOrderEventSource>())
        {
            if (Describe(entry) is { } change)
            {
                state ??= _contexts.GetValue(context, static _ => new PendingOrderEvents());
                state.CurrentSave.Add(change);
            }
        }
    }

    private static OrderChange? Describe(EntityEntry<IOrderEventSource> entry)
    {
        var order = entry.Entity;
        switch (entry.State)
        {
            case EntityState.Added:
                return new OrderChange(order, OrderChangeKind.Created, null, order.StatusName);
            case EntityState.Modified:
                var oldStatus = ((IOrderEventSource)entry.OriginalValues.ToObject()).StatusName;
                return oldStatus == order.StatusName
                    ? new OrderChange(order, OrderChangeKind.Updated, oldStatus, oldStatus)
                    : new OrderChange(order, OrderChangeKind.StatusChanged, oldStatus, order.StatusName);
            default:
                return null;
        }
    }

    private void Snapshot(PendingOrderEvents state)
    {
        foreach (var change in state.CurrentSave)
        {
            factory.Create(change, state.AwaitingCommit);
        }

        state.CurrentSave.Clear();
    }

    // Returns the state when the save was not inside a transaction that is still open, i.e. it is committed.
    private PendingOrderEvents? AfterSave(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return null;
        }

        Snapshot(state);
        // EF's own transaction has committed and published already; an explicit one publishes at its COMMIT.
        return context.Database.CurrentTransaction is null && state.AwaitingCommit.Count > 0 ? state : null;
    }

    private PendingOrderEvents? BeforeCommit(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return null;
        }

        // EF's own transaction commits inside SaveChanges, before SavedChanges: the statements ran, so snapshot now.
        Snapshot(state);
        return state.AwaitingCommit.Count > 0 ? state : null;
    }

    private void AfterCommit(DbContext? context)
    {
        if (context is not null && _contexts.TryGetValue(context, out var state))
        {
            Publish(state);
        }
    }

    private void Publish(PendingOrderEvents state)
    {
        try
        {
            publisher.Publish(state.AwaitingCommit);
        }
        finally
        {
            state.Clear();
        }
    }

    private void Discard(DbContext? context, bool currentSaveOnly)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return;
        }

        if (currentSaveOnly)
        {
            state.CurrentSave.Clear();
        }
        else
        {
            state.Clear();
        }
    }
}
