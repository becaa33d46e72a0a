using Orders.Protocol.EngineIO.Sending;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// One send to many recipients (a broadcast, a heartbeat pass), begun by <see cref="EngineWrites.BeginFanOut"/>: every
/// recipient's frame takes the same route, and a batch rented for it is flushed when it is disposed. A ref struct,
/// so it lives only as long as the loop over the recipients and allocates nothing.
/// </summary>
internal readonly ref struct FanOut
{
    private readonly SendRoute _route;

    // Rented by this fan-out (no pump, no emit batch): flushed and returned by Dispose. An emit batch's is not.
    private readonly SendBatch? _own;

    internal FanOut(SendRoute route, SendBatch? own = null)
    {
        _route = route;
        _own = own;
    }

    /// <summary>Hands <paramref name="frames"/> (a packet and its attachments, kept together) to the session.</summary>
    public bool Send(EngineSession session, ReadOnlySpan<OutgoingFrame> frames) => session.Enqueue(frames, _route);

    /// <summary>Writes what the fan-out's own batch holds and gives it back.</summary>
    public void Dispose() => _own?.Dispose();
}
