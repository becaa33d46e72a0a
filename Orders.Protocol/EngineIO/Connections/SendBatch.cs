using System.Buffers;
using System.Runtime.InteropServices;

namespace Orders.Protocol.EngineIO.Connections;

/// <summary>
/// Frames for many connections, written together by one io_uring submission when flushed (or when full). A
/// session hands its frame here instead of sending it when it would have sent directly; it stays the frame's
/// only writer meanwhile (its drain flag stays set, so later frames queue behind it), and the connection holds
/// the WebSocket's own writes until the frame is written. One thread uses a batch at a time.
/// </summary>
internal sealed class SendBatch : IDisposable
{
    private readonly SendBatchPool _pool;
    private readonly EngineSession?[] _sessions = new EngineSession?[IoUringRing.Capacity];
    private readonly ConnectionStream?[] _streams = new ConnectionStream?[IoUringRing.Capacity];
    private readonly ReadOnlyMemory<byte>[] _frames = new ReadOnlyMemory<byte>[IoUringRing.Capacity];
    private readonly int[] _sockets = new int[IoUringRing.Capacity];
    private readonly nint[] _buffers = new nint[IoUringRing.Capacity];
    private readonly int[] _lengths = new int[IoUringRing.Capacity];
    private readonly int[] _results = new int[IoUringRing.Capacity];
    private readonly byte[]?[] _rented = new byte[IoUringRing.Capacity][];

    // A broadcast hands every recipient the same array: it is pinned once, not once per recipient.
    private readonly List<GCHandle> _pins = [];
    private object? _lastPinned;
    private IoUringRing? _ring;
    private int _count;

    internal SendBatch(SendBatchPool pool, IoUringRing ring)
    {
        _pool = pool;
        _ring = ring;
    }

    /// <summary>
    /// Takes <paramref name="frame"/> (whole WebSocket frames) for the connection; false if it must be sent now instead.
    /// <paramref name="rented"/>, the <see cref="ArrayPool{T}"/> array under the frame if any, goes back to the pool
    /// once the kernel has taken all of it (a frame it took only part of may still be read by the slow path).
    /// </summary>
    /// <remarks>With <paramref name="flushWhenFull"/> false the caller flushes a full batch (<see cref="IsFull"/>) before adding to it.</remarks>
    public bool TryAdd(EngineSession session, ConnectionStream stream, ReadOnlyMemory<byte> frame, byte[]? rented = null, bool flushWhenFull = true)
    {
        if (_ring is null || _count == IoUringRing.Capacity || !MemoryMarshal.TryGetArray(frame, out var segment) || !stream.TryDefer(out var socket)) return false;
        if (!ReferenceEquals(segment.Array, _lastPinned))
        {
            _pins.Add(GCHandle.Alloc(segment.Array, GCHandleType.Pinned));
            _lastPinned = segment.Array;
        }

        var i = _count++;
        _sessions[i] = session;
        _streams[i] = stream;
        _frames[i] = frame;
        _sockets[i] = socket;
        _buffers[i] = _pins[^1].AddrOfPinnedObject() + segment.Offset;
        _lengths[i] = segment.Count;
        _rented[i] = rented;
        if (flushWhenFull && _count == IoUringRing.Capacity) Flush();
        return true;
    }

    /// <summary>Whether the batch must be flushed before it takes another frame.</summary>
    public bool IsFull => _count == IoUringRing.Capacity;

    /// <summary>Writes every frame taken so far and lets each session go on with what queued behind it.</summary>
    public void Flush()
    {
        var count = _count;
        if (count == 0) return;
        _count = 0;
        var ring = _ring!;
        if (!ring.SendAll(_sockets.AsSpan(0, count), _buffers.AsSpan(0, count), _lengths.AsSpan(0, count), _results))
        {
            // Sends it had not queued may still sit in the ring: it is never entered again.
            ring.Dispose();
            _ring = null;
            _pool.OnRingFailed();
        }

        foreach (var pin in _pins) pin.Free();
        _pins.Clear();
        _lastPinned = null;

        for (var i = 0; i < count; i++)
        {
            var written = _streams[i]!.CompleteDeferred(_frames[i], _results[i]);
            if (_rented[i] is { } rented)
            {
                if (_results[i] == _lengths[i]) ArrayPool<byte>.Shared.Return(rented);
                _rented[i] = null;
            }

            var session = _sessions[i]!;
            _sessions[i] = null;
            _streams[i] = null;
            _frames[i] = default;
            session.OnDeferredWrite(written);
        }
    }

    /// <summary>Flushes and goes back to the pool.</summary>
    public void Dispose()
    {
        Flush();
        _pool.Return(this);
    }

    internal bool IsUsable => _ring is not null;

    internal void DisposeRing()
    {
        _ring?.Dispose();
        _ring = null;
    }
}
