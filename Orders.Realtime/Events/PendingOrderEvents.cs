using Microsoft.EntityFrameworkCore.Storage;

namespace Orders.Realtime.Events;

// The events of one DbContext between SaveChanges and COMMIT. Lives beside its context (never in the shared
// interceptor), so concurrent contexts cannot see each other's changes.
internal sealed class PendingOrderEvents
{
    // Changes of the SaveChanges in progress, collected before any statement runs.
    public List<OrderChange> CurrentSave { get; } = [];

    // Events of saves whose statements ran, waiting to be written just before their transaction commits.
    public List<OrderEvent> AwaitingCommit { get; } = [];

    // The transaction the events in AwaitingCommit wait for: the caller's, or the one the interceptor opened.
    public Guid? TransactionId { get; set; }

    // The transaction the interceptor opened for a save made outside any: the change and its rows commit together.
    public IDbContextTransaction? OwnTransaction { get; set; }

    // The rows as committed with the transaction, for the feed.
    public IReadOnlyList<Outbox.CommittedEvent>? Written { get; set; }

    public void Clear()
    {
        CurrentSave.Clear();
        AwaitingCommit.Clear();
        TransactionId = null;
        OwnTransaction = null;
        Written = null;
    }
}
