using System.Collections.Concurrent;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// Writes the WebSocket frames of sessions served at the connection: a session with something to send is queued
/// here once, and one work item at a time takes each queued session's waiting frames in one write, many sessions
/// to an io_uring submission. An emit then costs its caller a queue operation, not a system call.
/// <para>
/// While the kernel keeps up, each session has one frame waiting and nothing changes but who makes the write.
/// When emits come faster than the writes (a broadcast while the last one is still being written), the frames a
/// session gathered meanwhile leave together: on loopback the kernel's cost is per write, not per byte, so the
/// cost per delivery falls just when the server is busiest.
/// </para>
/// </summary>
internal sealed class SendPump : IThreadPoolWorkItem
{
    // Sessions served per turn before the work item queues itself again: other work (the requests that emit) gets
    // the thread in between, and whatever it emits to sessions still waiting joins their next write.
    private const int SessionsPerTurn = 1024;

    private readonly SendBatchPool _batches;
    private readonly ConcurrentQueue<SessionWriter> _ready = new();

    // Turns never overlap: the work item and an emitter that helps (TryHelp) take it in turn.
    private readonly Lock _turn = new();
    private int _scheduled;
    private long _writes;
    private long _frames;

    public SendPump(SendBatchPool batches) => _batches = batches;

    /// <summary>Writes made so far (each one or more whole frames to one connection).</summary>
    public long Writes => Volatile.Read(ref _writes);

    /// <summary>Frames written so far; above <see cref="Writes"/> by the frames that shared a write.</summary>
    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Queues <paramref name="writer"/>, which holds its session's drain flag: it is served once, in turn.</summary>
    public void Schedule(SessionWriter writer)
    {
        _ready.Enqueue(writer);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    // Only the turn in progress counts, and turns never overlap (they hold the turn lock).
    internal void Counted(int frames)
    {
        Volatile.Write(ref _writes, _writes + 1);
        Volatile.Write(ref _frames, _frames + frames);
    }

    public void Execute()
    {
        lock (_turn) RunTurn();

        // A full fence, not a release store: the read of the queue below must not move ahead of this write. On x86 a
        // plain store may wait in the store buffer past that read; a session queued meanwhile then saw the flag still
        // set (so queued no work item) while this saw the queue still empty, and its frame waited for whatever
        // scheduled the pump next (a heartbeat, seconds later).
        Interlocked.Exchange(ref _scheduled, 0);
        if (!_ready.IsEmpty && Interlocked.Exchange(ref _scheduled, 1) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>
    /// Runs a turn on the caller's thread: an emitter whose frames would overflow a session that is only waiting for
    /// the pump helps it instead (waiting for a turn in progress first), which holds the emitter back as a
    /// synchronous write would. False, doing nothing, when the caller is inside a turn already (a handler the turn
    /// ran, such as a disconnect's, emitting).
    /// </summary>
    public bool TryHelp()
    {
        if (_turn.IsHeldByCurrentThread) return false;
        lock (_turn) RunTurn();
        return true;
    }

    private void RunTurn()
    {
        // Null when the ring has failed: each session then drains by itself, one write per frame.
        var batch = _batches.Rent();
        try
        {
            for (var i = 0; i < SessionsPerTurn && _ready.TryDequeue(out var writer); i++)
            {
                if (batch is not null && (batch.IsFull || batch.GatherRoom < FrameQueue.MaxPumpedBytes)) batch.Flush();
                writer.RunPumpTurn(batch);
            }
        }
        finally
        {
            // Flushing lets each session go on: one with frames queued meanwhile is scheduled again, here.
            batch?.Dispose();
        }
    }
}
