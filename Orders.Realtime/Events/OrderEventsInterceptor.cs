using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Orders.Realtime.Outbox;
using Orders.Realtime.Publishing;

namespace Orders.Realtime.Events;

// A little over 300 lines: EF raises each hook in a synchronous and an asynchronous form, and each pair stays side by side.
// Derives order events from tracked changes and stores them as rows of order_events in the same transaction as the
// change (OrderEventOutbox); the feed sends committed rows to sockets. Collects while saving, builds the payloads
// once SaveChanges has run its statements (EF copies generated values such as the order number and xmin into the
// entities only then), and writes the rows when the transaction commits, in the same batch as its COMMIT
// (OrderEventOutbox; EF's own COMMIT is suppressed):
// - a save outside any transaction runs in one this interceptor opens when the save starts (without EF's savepoint,
//   which would cost a round trip and protects nothing here: a failed save rolls the whole transaction back) and
//   commits when the statements have run;
// - a save inside the caller's transaction leaves its events waiting for that transaction's COMMIT (so the rows'
//   lock is never held across the caller's other work).
// Nothing is written for a failed save or a rollback. One instance serves every context; per-context state hangs off
// the context in a ConditionalWeakTable.
internal sealed class OrderEventsInterceptor(OrderEventFactory factory, OrderEventOutbox outbox, OrderEventFeed feed)
    : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, PendingOrderEvents> _contexts = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Collect(eventData.Context) is { } state) Opened(state, eventData.Context!, eventData.Context!.Database.BeginTransaction());
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Collect(eventData.Context) is { } state)
        {
            Opened(state, eventData.Context!, await eventData.Context!.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (AfterSave(eventData.Context) is { OwnTransaction: { } own } state)
        {
            try
            {
                own.Commit();
            }
            finally
            {
                Close(state, eventData.Context!);
                own.Dispose();
            }
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(
        SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (AfterSave(eventData.Context) is { OwnTransaction: { } own } state)
        {
            try
            {
                // The caller's token is not passed on: the change is saved, and its COMMIT must not stop half-way.
                await own.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                Close(state, eventData.Context!);
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Discard(eventData.Context);

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) =>
        await DiscardAsync(eventData.Context).ConfigureAwait(false);

    // A concurrency conflict ends the save with this, not with SaveChangesFailed.
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Discard(eventData.Context);
        return result;
    }

    public override async ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(
        ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        await DiscardAsync(eventData.Context).ConfigureAwait(false);
        return result;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Discard(eventData.Context);

    public override async Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default) =>
        await DiscardAsync(eventData.Context).ConfigureAwait(false);

    InterceptionResult IDbTransactionInterceptor.TransactionCommitting(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (ToWrite(eventData.Context, eventData.TransactionId) is not { } state)
        {
            return result;
        }

        state.Written = outbox.WriteAndCommit(transaction, state.AwaitingCommit);
        return InterceptionResult.Suppress();
    }

    async ValueTask<InterceptionResult> IDbTransactionInterceptor.TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken)
    {
        if (ToWrite(eventData.Context, eventData.TransactionId) is not { } state)
        {
            return result;
        }

        state.Written = await outbox.WriteAndCommitAsync(transaction, state.AwaitingCommit).ConfigureAwait(false);
        return InterceptionResult.Suppress();
    }

    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        AfterCommit(eventData.Context, eventData.TransactionId);

    Task IDbTransactionInterceptor.TransactionCommittedAsync(
        DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        AfterCommit(eventData.Context, eventData.TransactionId);
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) =>
        Forget(eventData.Context, eventData.TransactionId);

    Task IDbTransactionInterceptor.TransactionRolledBackAsync(
        DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        Forget(eventData.Context, eventData.TransactionId);
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) =>
        Forget(eventData.Context, eventData.TransactionId);

    Task IDbTransactionInterceptor.TransactionFailedAsync(
        DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken)
    {
        Forget(eventData.Context, eventData.TransactionId);
        return Task.CompletedTask;
    }

    // Returns the state when this save has order changes and needs a transaction of its own.
    private PendingOrderEvents? Collect(DbContext? context)
    {
        if (context is null)
        {
            return null;
        }

        var transaction = context.Database.CurrentTransaction;
        _contexts.TryGetValue(context, out var state);
        if (state is not null)
        {
            // Every save ends by writing or discarding these; any left over belong to a save or transaction that
            // ended some other way (a transaction disposed without COMMIT or ROLLBACK rolls back without telling
            // interceptors), and a pooled context must not carry them into this one.
            state.CurrentSave.Clear();
            if (state.OwnTransaction is not null || state.TransactionId != transaction?.TransactionId)
            {
                state.Clear();
            }
        }

        // Entries() runs DetectChanges first, which SaveChanges has not done yet at this point.
        foreach (var entry in context.ChangeTracker.Entries<IOrderEventSource>())
        {
            if (OrderChange.Of(entry) is { } change)
            {
                state ??= _contexts.GetValue(context, static _ => new PendingOrderEvents());
                state.CurrentSave.Add(change);
            }
        }

        return transaction is null && state is { CurrentSave.Count: > 0 } ? state : null;
    }

    // Builds the events of the save that just ran its statements. Returns the state when it holds events to write.
    private PendingOrderEvents? AfterSave(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state) || state.CurrentSave.Count == 0)
        {
            return null;
        }

        foreach (var change in state.CurrentSave)
        {
            factory.Create(change, state.AwaitingCommit);
        }

        state.CurrentSave.Clear();
        if (context.Database.CurrentTransaction is { } open)
        {
            state.TransactionId = open.TransactionId;
        }

        return state;
    }

    private void Committed(PendingOrderEvents state, IReadOnlyList<CommittedEvent> rows)
    {
        outbox.LogCommitted(state.AwaitingCommit);
        feed.Publish(rows);
    }

    private static void Opened(PendingOrderEvents state, DbContext context, IDbContextTransaction transaction)
    {
        state.OwnTransaction = transaction;
        state.TransactionId = transaction.TransactionId;
        context.Database.AutoSavepointsEnabled = false;
    }

    // After the interceptor's own transaction ended, committed or not.
    private static void Close(PendingOrderEvents state, DbContext context)
    {
        state.Clear();
        context.Database.AutoSavepointsEnabled = true;
    }

    // A transaction is committing with events of this context waiting for it.
    private PendingOrderEvents? ToWrite(DbContext? context, Guid transactionId) =>
        context is not null && _contexts.TryGetValue(context, out var state) && state.TransactionId == transactionId && state.AwaitingCommit.Count > 0
            ? state
            : null;

    private void AfterCommit(DbContext? context, Guid transactionId)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state) || state.TransactionId != transactionId)
        {
            return;
        }

        if (state.Written is { } rows)
        {
            Committed(state, rows);
        }

        // The interceptor's own transaction is closed by the save that opened it.
        if (state.OwnTransaction is null)
        {
            state.Clear();
        }
    }

    private void Forget(DbContext? context, Guid transactionId)
    {
        if (context is not null && _contexts.TryGetValue(context, out var state) && state.OwnTransaction is null && state.TransactionId == transactionId)
        {
            state.Clear();
        }
    }

    // A failed save: its own transaction rolls back with it; inside the caller's transaction, earlier saves may
    // still commit, so only this save's changes are dropped.
    private void Discard(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return;
        }

        state.CurrentSave.Clear();
        if (state.OwnTransaction is { } own)
        {
            Close(state, context);
            own.Dispose();
        }
    }

    private async ValueTask DiscardAsync(DbContext? context)
    {
        if (context is null || !_contexts.TryGetValue(context, out var state))
        {
            return;
        }

        state.CurrentSave.Clear();
        if (state.OwnTransaction is { } own)
        {
            Close(state, context);
            await own.DisposeAsync().ConfigureAwait(false);
        }
    }
}
