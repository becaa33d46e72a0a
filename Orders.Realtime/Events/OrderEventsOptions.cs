namespace Orders.Realtime.Events;

/// <summary>Settings of the order events: how long they are kept, and how the service reads and recovers them.</summary>
public sealed class OrderEventsOptions
{
    /// <summary>
    /// How long an event is kept in <c>order_events</c> after it was committed. A client can recover events only while
    /// they are kept, so this must exceed the recovery window (2 minutes). Default 24 hours.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often events older than <see cref="Retention"/> (and expired sessions) are deleted. Default 1 minute.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows deleted per statement while pruning, so a prune never holds many locks at once. Default 1,000.</summary>
    public int PruneBatchSize { get; set; } = 1_000;

    /// <summary>
    /// How often the service looks for committed events even when nothing woke it (a commit made by another process).
    /// Default 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most missed events a reconnecting socket recovers; a socket that missed more becomes a fresh session and the
    /// client refetches. Default 10,000.
    /// </summary>
    public int MaxRecoveredEvents { get; set; } = 10_000;

    /// <summary>
    /// How often this node records that it is alive. A session whose node stopped without saying so (a crash) counts as
    /// disconnected since its node was last seen. Default 10 seconds.
    /// </summary>
    public TimeSpan NodeHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest wait between two attempts of a background service (the event feed, the notification listener, the
    /// session writer) at a database that does not answer: the first retry comes after a second (or the poll interval,
    /// if shorter), each further one after twice as long, up to this. When the database is back, events flow again
    /// within about this long. Default 10 seconds.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The backoff of a background service whose database does not answer.</summary>
    internal Outages.Backoff NewBackoff() =>
        new(PollInterval < TimeSpan.FromSeconds(1) ? PollInterval : TimeSpan.FromSeconds(1), MaxRetryDelay);

    internal IEnumerable<string> Validate()
    {
        if (MaxRetryDelay < TimeSpan.FromSeconds(1)) yield return "OrderEvents:MaxRetryDelay must be at least 1 second.";
        if (Retention < TimeSpan.FromMinutes(5)) yield return "OrderEvents:Retention must be at least 5 minutes (longer than the recovery window).";
        if (PruneInterval <= TimeSpan.Zero) yield return "OrderEvents:PruneInterval must be positive.";
        if (PruneBatchSize < 1) yield return "OrderEvents:PruneBatchSize must be at least 1.";
        if (PollInterval <= TimeSpan.Zero) yield return "OrderEvents:PollInterval must be positive.";
        if (MaxRecoveredEvents < 1) yield return "OrderEvents:MaxRecoveredEvents must be at least 1.";
        if (NodeHeartbeatInterval <= TimeSpan.Zero) yield return "OrderEvents:NodeHeartbeatInterval must be positive.";
    }
}
