namespace Orders.Realtime.Outages;

// Delays between attempts at a database that does not answer. The first retry comes soon (a restart or a failover is
// often over within seconds), then the delay doubles up to a ceiling: an outage of minutes costs each background
// service a few attempts a minute rather than one a second, and jitter keeps the nodes of a cluster out of step.
// Public for the host, whose start-up migration waits for the database the same way.

/// <summary>
/// Delays between attempts at a database that does not answer: <paramref name="first"/>, then doubling (±10% jitter)
/// up to <paramref name="ceiling"/>.
/// </summary>
public sealed class Backoff(TimeSpan first, TimeSpan ceiling)
{
    private int _failures;

    /// <summary>Whether the last attempt failed (and none has succeeded since).</summary>
    public bool Failing => _failures > 0;

    /// <summary>The delay before the next attempt after one more failure.</summary>
    public TimeSpan Next()
    {
        var doubled = first.Ticks * (1L << Math.Min(_failures, 20));
        _failures++;
        var delay = Math.Min(doubled, ceiling.Ticks);
        return TimeSpan.FromTicks((long)(delay * (0.9 + (Random.Shared.NextDouble() * 0.2))));
    }

    /// <summary>An attempt succeeded: the next failure starts again from the first delay.</summary>
    public void Reset() => _failures = 0;

    /// <summary>What a failed attempt's log line says: the innermost message, without a stack trace that adds nothing.</summary>
    public static string Reason(Exception exception) => exception.GetBaseException().Message;
}
