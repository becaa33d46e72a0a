namespace Orders.LoadGen.Commit;

/// <summary>The ways <see cref="OrderChangeCommits"/> commits an order change; their names are the timer's output.</summary>
internal enum CommitKind
{
    /// <summary>A: one autocommit UPDATE with the xmin check, as an order change was before the outbox.</summary>
    Update,

    /// <summary>B: BEGIN with the same UPDATE, then the lock, the event's row, NOTIFY and COMMIT in one batch, as the service sends them.</summary>
    Outbox,

    /// <summary>C: the lock, the same UPDATE, the row and NOTIFY in one batch with no BEGIN, which PostgreSQL runs as one
    /// implicit transaction: the least the outbox could cost if the event did not need the UPDATE's answer first.</summary>
    OneTrip,

    /// <summary>D: C without NOTIFY, so C - D is what the notification costs a commit.</summary>
    OneTripSilent,

    /// <summary>E: the UPDATE and the row alone in one implicit transaction, no lock and no NOTIFY: what the row itself costs.</summary>
    RowAlone,
}
