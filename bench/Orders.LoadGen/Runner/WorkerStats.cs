namespace Orders.LoadGen.Runner;

/// <summary>Counters summed over every worker: clients joined and later closed, events delivered, pings answered.</summary>
internal readonly record struct WorkerStats(long Joined, long Closed, long Delivered, long Pings, long Errors, long Failed)
{
    public long Held => Joined - Closed;
}
