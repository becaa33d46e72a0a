namespace Orders.LoadGen.Commit;

/// <summary>The ways <see cref="OrderChangeCommits"/> commits an order change; their names are the timer's output.</summary>
internal enum CommitKind
{
    /// <summary>A: one autocommit UPDATE with the xmin check, as an order change was before the outbox.</summary>
    Update,

    /// <summary>B: BEGIN, the same UPDATE, the lock and the event's row in one batch, COMMIT.</summary>
    Outbox,

    /// <summary>B with EF Core's SAVEPOINT and RELEASE SAVEPOINT around the UPDATE, as the service's statement log shows.</summary>
    OutboxAsEfSendsIt,
}
