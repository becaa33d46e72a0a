namespace Orders.Realtime.Events;

// The events of one DbContext between SaveChanges and COMMIT. Lives beside its context (never in the shared
// interceptor), so concurrent contexts cannot see each other's changes.
internal sealed class PendingOrderEvents
{
    // Changes of the SaveChanges in progress, collected before any statement runs.
    public List<OrderChange> CurrentSave { get; } = [];

    // Events of saves whose statements ran, waiting for their transaction to commit.
    public List<OrderEvent> AwaitingCommit { get; } = [];

    // The explicit transaction the events in AwaitingCommit wait for.
    public Guid? TransactionId { get; set; }

    // The save's place in line for its orders (OrderCommitSequencer): from just before the statement or COMMIT that
    // makes it durable until its events are queued.
    public OrderCommitSequencer.Ticket? Ticket { get; set; }

    // EF's own transaction committed inside the SaveChanges in progress; SavedChanges publishes, once EF has
    // copied the generated values (order number, xmin) into the entities, which it does only after COMMIT.
    public bool CommittedDuringSave { get; set; }

    public IEnumerable<Guid> OrderIds() => CurrentSave.Select(c => c.Order.Id).Concat(AwaitingCommit.Select(e => e.OrderId));

    public void Clear()
    {
        CurrentSave.Clear();
        AwaitingCommit.Clear();
        ReleaseTicket();
        CommittedDuringSave = false;
        TransactionId = null;
    }

    public void ReleaseTicket()
    {
        Ticket?.Dispose();
        Ticket = null;
    }
}
