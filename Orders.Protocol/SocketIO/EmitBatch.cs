using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>
/// Emits whose WebSocket writes go out together when the batch is disposed (or every 256 frames): on Linux one
/// io_uring submission carries the writes to many sockets, where each would otherwise be its own system call.
/// A broadcast to several sockets batches by itself (through the send pump, see
/// <see cref="EngineIO.IOOptions.CoalesceSends"/>); this is for many emits in a row, such as one event to each
/// of many rooms: <c>using var batch = io.BeginEmitBatch(); io.Default.To(room).Batched(batch).Emit(...)</c>.
/// Frames sent to a socket while its batched frame waits queue behind it and are written after it.
/// <para>
/// Frames wait until the batch is flushed, so dispose it as soon as the emits are made (a batch that is never
/// disposed is flushed when the garbage collector finalizes it, which may be much later). Not thread-safe: one
/// caller at a time. Where batching is unavailable (not Linux, io_uring refused, or
/// <see cref="EngineIO.IOOptions.BatchSends"/> off) emits are written at once, as without a batch.
/// </para>
/// </summary>
public sealed class EmitBatch : IDisposable
{
    internal EmitBatch(HeldWrites held) => Held = held;

    internal HeldWrites Held { get; private set; }

    /// <summary>Writes what was emitted so far.</summary>
    public void Flush() => Held.Flush();

    /// <summary>Writes what was emitted and releases the batch.</summary>
    public void Dispose()
    {
        var held = Held;
        Held = held.Released;
        held.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Writes what a batch that was never disposed still holds: its sessions' frames (and everything queued behind
    /// them) would otherwise wait for ever. Its ring goes with it rather than back to the pool.
    /// </summary>
    ~EmitBatch() => Held.Abandon();
}
