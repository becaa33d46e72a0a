using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Orders.Realtime.Publishing;

namespace Orders.Realtime.Events;

// Derives order events from tracked changes: collects while saving, snapshots when SaveChanges has finished (EF
// copies generated values such as the order number into the entities only then), and publishes only after COMMIT:
// of the statement itself (a one-statement save runs without a transaction), of EF's own transaction, or of the
// enclosing explicit one. Nothing on failure or rollback. One instance serves every context; per-context state hangs
// off the context in a ConditionalWeakTable. A save takes its place in line for its orders (OrderCommitSequencer)
// before the statement or COMMIT that makes it durable and queues its events in turn, so in commit order.
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
            PublishInTurn(state);
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(
        SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (AfterSave(eventData.Context) is { } state)
        {
            // The rows are committed: the caller's token is not passed on, nothing may stop the events going out.
            await PublishInTurnAsync(state).ConfigureAwait(false);
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Discard(eventData.Context, currentSaveOnly: true);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context, currentSaveOnly: true);
        return Task.CompletedTask;
    }

    // A concurrency conflict ends the save with this, not with SaveChangesFailed.
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Discard(eventData.Context, currentSaveOnly: true);
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(
        ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context, currentSaveOnly: true);
        return ValueTask.FromResult(result);
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
        BeforeCommit(eventData.Context, eventData.TransactionId);
        return result;
    }

    ValueTask<InterceptionResult> IDbTransactionInterceptor.TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken)
    {
        BeforeCommit(eventData.Context, eventData.TransactionId);
        return ValueTask.FromResult(result);
    }

    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (AfterCommit(eventData.Context) is { } state)
        {
            PublishInTurn(state);
        }
    }

    async Task IDbTransactionInterceptor.TransactionCommittedAsync(
        DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        if (AfterCommit(eventData.Context) is { } state)
        {
            await PublishInTurnAsync(state).ConfigureAwait(false);
        }
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

        var transaction = context.Database.CurrentTransaction;
        _contexts.TryGetValue(context, out var state);
        if (state is not null)
        {
            ForgetAbandoned(state, transaction?.TransactionId);
            // Every save ends by snapshotting or discarding these; any left over belong to a save that ended some
            // other way, and a pooled context must not carry them (or its place in line) into this one.
            state.CurrentSave.Clear();
            state.ReleaseTicket();
        }

        // Entries() runs DetectChanges first, which SaveChanges has not done yet at this point.
        foreach (var entry in context.ChangeTracker.Entries<IOrderEventSource>())
        {
            if (Describe(entry) is { } change)
            {
                state ??= _contexts.GetValue(context, static _ => new PendingOrderEvents());
                state.CurrentSave.Add(change);
            }
        }

        // Without an open transaction this save is durable when its statement (or EF's own COMMIT) completes: it
        // takes its place now. Inside an explicit transaction the place is taken just before that COMMIT.
        if (transaction is null && state is { CurrentSave.Count: > 0 })
        {
            TakePlace(state);
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

    // Returns the state when what was saved is committed: EF's own transaction committed during this save, or
    // there was no transaction at all. Inside an explicit transaction the events wait for its COMMIT.
    private PendingOrderEvents? AfterSave(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return null;
        }

        try
        {
            Snapshot(state);
        }
        catch
        {
            // Never keep a sequencing lock past a failure.
            state.Clear();
            throw;
        }

        if (!state.CommittedDuringSave && context.Database.CurrentTransaction is { } open)
        {
            state.TransactionId = open.TransactionId;
            return null;
        }

        if (state.AwaitingCommit.Count == 0)
        {
            state.Clear();
            return null;
        }

        return state;
    }

    private void BeforeCommit(DbContext? context, Guid transactionId)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return;
        }

        ForgetAbandoned(state, transactionId);

        if (state.CurrentSave.Count + state.AwaitingCommit.Count > 0)
        {
            TakePlace(state);
        }
    }

    // The state to publish once an explicit transaction committed; EF's own one is published by SavedChanges.
    private PendingOrderEvents? AfterCommit(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return null;
        }

        if (state.CurrentSave.Count > 0)
        {
            // Keep the place in line: SavedChanges snapshots and publishes right after this.
            state.CommittedDuringSave = true;
            return null;
        }

        if (state.AwaitingCommit.Count > 0)
        {
            return state;
        }

        state.Clear();
        return null;
    }

    // A save keeps the place it took first (EF's own transaction took it when the save began, not at its COMMIT).
    private OrderCommitSequencer.Ticket TakePlace(PendingOrderEvents state) => state.Ticket ??= sequencer.Enter(state.OrderIds());

    private void PublishInTurn(PendingOrderEvents state)
    {
        try
        {
            sequencer.WaitTurn(TakePlace(state));
            publisher.Publish(state.AwaitingCommit);
        }
        finally
        {
            state.Clear();
        }
    }

    private async ValueTask PublishInTurnAsync(PendingOrderEvents state)
    {
        try
        {
            await sequencer.WaitTurnAsync(TakePlace(state)).ConfigureAwait(false);
            publisher.Publish(state.AwaitingCommit);
        }
        finally
        {
            state.Clear();
        }
    }

    // A transaction disposed without COMMIT or ROLLBACK (the context went back to the pool, or the caller just
    // disposed it) rolls back without telling interceptors: its events must not ride on a later commit.
    private static void ForgetAbandoned(PendingOrderEvents state, Guid? transactionId)
    {
        if (state.AwaitingCommit.Count > 0 && state.TransactionId != transactionId)
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

        if (currentSaveOnly && !state.CommittedDuringSave && context.Database.CurrentTransaction is not null)
        {
            // A failed save inside an explicit transaction: earlier saves may still commit.
            state.CurrentSave.Clear();
        }
        else
        {
            state.Clear();
        }
    }
}
