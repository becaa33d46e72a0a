namespace Orders.Realtime.Events;

/// <summary>Settings of the order events derived from committed changes.</summary>
public sealed class OrderEventsOptions
{
    /// <summary>
    /// How long a committed save waits for an earlier save of the same order to queue its events before going ahead
    /// of it. An earlier save normally takes one database round trip; one that never ends (a save abandoned without
    /// any callback) would otherwise hold back every later event of that order. Default 10 s.
    /// </summary>
    public TimeSpan TurnTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
