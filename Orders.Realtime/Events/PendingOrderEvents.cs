namespace Orders.Realtime.Events;

/// <summary>
/// The events of one DbContext between SaveChanges and COMMIT. Lives beside its context (never in the shared
/// interceptor), so concurrent contexts cannot see each other's changes.
/// </summary>
internal sealed class PendingOrderEvents
{
    /// <summary>Changes of the SaveChanges in progress, collected before any statement runs.</summary>
    public List<OrderChange> CurrentSave { get; } = [];

    /// <summary>Events of saves whose statements ran, waiting for their transaction to commit.</summary>
    public List<OrderEvent> AwaitingCommit { get; } = [];

    public OrderCommitSequencer.Lease? Lease { get; set; }

    public void Clear()
    {
        CurrentSave.Clear();
        AwaitingCommit.Clear();
        Lease?.Dispose();
        Lease = null;
    }
}
