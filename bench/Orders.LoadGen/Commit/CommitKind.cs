namespace Orders.LoadGen.Commit;

/// <summary>The ways <see cref="OrderChangeCommits"/> commits an order change; their names are the timer's output.</summary>
internal enum CommitKind
{
    /// <summary>A: one autocommit UPDATE with the xmin check, as an order change was before the outbox.</summary>
    Update,

    /// <summary>B: BEGIN with the same UPDATE, then the lock, the event's row, NOTIFY and COMMIT in one batch, as the service sends them.</summary>
    Outbox,
}
