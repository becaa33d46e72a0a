using Orders.Protocol.EngineIO.Sending;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// How one engine's WebSocket writes are made: its batches (one io_uring submission for the writes to many
/// connections) and its send pump. The layer above says only whether a send goes to one recipient or to many, or
/// belongs to an emit batch; the choice between the pump, a batch and a direct write is made here.
/// </summary>
internal sealed class EngineWrites : IDisposable
{
    private readonly SendBatchPool _batches;
    private readonly bool _batchSends;

    public EngineWrites(bool batchSends, bool coalesceSends)
    {
        _batchSends = batchSends;
        _batches = new SendBatchPool(batchSends, coalesceSends);
    }

    /// <summary>Whether sends are batched through io_uring.</summary>
    public bool Enabled => _batches.Enabled;

    /// <summary>The pump that makes the WebSocket writes of sessions served at the connection, or null (each writes its own).</summary>
    public SendPump? Pump => _batches.Pump;

    /// <summary>How writes are made, for the start log; null when batching is switched off (nothing to say).</summary>
    public string? Mode => !_batchSends ? null
        : !Enabled ? "made one by one: io_uring is not available"
        : Pump is null ? "batched through io_uring for broadcasts and emit batches"
        : "made by the send pump through io_uring, a socket's waiting frames in one write";

    /// <summary>
    /// Begins a send to one recipient or to <paramref name="many"/>. An emit batch's sends
    /// (<paramref name="held"/>) wait for its flush. Otherwise many recipients' writes are made by the send pump (in
    /// batches of its own, a recipient's waiting frames together), or without a pump in a batch of the fan-out's own,
    /// so they leave in a few system calls, not one each; a lone recipient is written at once by the caller.
    /// </summary>
    public FanOut BeginFanOut(bool many, HeldWrites held = default)
    {
        if (held.IsHeld) return new FanOut(held.Batch is { } batch ? SendRoute.Held(batch) : SendRoute.Direct);
        if (!many) return new FanOut(SendRoute.Direct);
        if (Pump is not null) return new FanOut(SendRoute.Pumped);
        return _batches.Rent() is { } own ? new FanOut(SendRoute.Held(own), own) : new FanOut(SendRoute.Direct);
    }

    /// <summary>The writes of an emit batch: held until it is flushed (or written at once when batching is unavailable).</summary>
    public HeldWrites BeginHeld() => new(_batches.Rent());

    public void Dispose() => _batches.Dispose();
}
