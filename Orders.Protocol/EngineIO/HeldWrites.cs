using Orders.Protocol.EngineIO.Sending;

namespace Orders.Protocol.EngineIO;

/// <summary>
/// The writes an emit batch holds until it is flushed: a batch rented for it, or none when batching is unavailable
/// (then its emits are written at once, never by the pump). The default value holds nothing and is not a batch's.
/// </summary>
internal readonly struct HeldWrites
{
    // A SendBatch, or NoBatch for a batch's writes with no SendBatch to hold them (batching unavailable, or the emit
    // batch disposed): one reference either way, so the public EmitBatch that keeps this stays one field.
    private static readonly object NoBatch = new();
    private readonly object? _holder;

    internal HeldWrites(SendBatch? batch) => _holder = batch ?? NoBatch;

    /// <summary>Whether these are an emit batch's writes: they never go to the pump or to a batch of their own.</summary>
    public bool IsHeld => _holder is not null;

    /// <summary>The batch that writes them when flushed, or null.</summary>
    public SendBatch? Batch => _holder as SendBatch;

    /// <summary>The same batch's writes once its SendBatch went back: written at once from then on.</summary>
    public HeldWrites Released => new(null);

    public void Flush() => Batch?.Flush();

    /// <summary>Flushes and gives the batch back to the pool.</summary>
    public void Dispose() => Batch?.Dispose();

    /// <summary>
    /// The finalizer's path for a batch never disposed: what it holds is written (its sessions' frames, and everything
    /// queued behind them, would otherwise wait for ever), and its ring goes with it rather than back to the pool.
    /// </summary>
    public void Abandon()
    {
        if (Batch is not { } batch) return;
        batch.Flush();
        batch.DisposeRing();
    }
}
